package mobb.cxfharness;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.cxf.jaxrs.ext.multipart.Attachment;
import org.apache.cxf.jaxrs.ext.multipart.Multipart;

/**
 * The part of ebms-core 2.20.2's EbMSMessageRestService that mobb-sdk's client calls, with the same paths,
 * annotations and parameter types, so CXF and Jackson parse our requests as they do in ebms-core. What CXF
 * refuses never reaches these methods (CXF answers itself); what it accepts is recorded for the tests
 * ({@link HarnessResource}). As in ebms-core, an exception inside a method becomes a 500 with its message
 * and not-found a 404 without body; ebms-core's own checks behind the resource (its CPA validation, its
 * store) are not modelled.
 */
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class EbmsMessageResource
{
	private final Recorder recorder;

	public EbmsMessageResource(Recorder recorder)
	{
		this.recorder = recorder;
	}

	@POST
	@Path("messages")
	@Produces(MediaType.TEXT_PLAIN)
	public String sendMessage(MessageRequest messageRequest)
	{
		try
		{
			return recorder.sendJson(messageRequest);
		}
		catch (Exception e)
		{
			throw serverError(e, MediaType.TEXT_PLAIN);
		}
	}

	@POST
	@Path("messages/mtom")
	@Produces(MediaType.TEXT_PLAIN)
	@Consumes(MediaType.MULTIPART_FORM_DATA)
	public String sendMessage(@Multipart("requestProperties") MessageRequestProperties requestProperties, @Multipart("attachment") List<Attachment> attachments)
	{
		try
		{
			// ebms-core builds its MTOMMessageRequest here: properties are non-null, the list is streamed.
			NonNull.check(requestProperties, "properties");
			return recorder.sendMtom(requestProperties, new ArrayList<>(attachments));
		}
		catch (Exception e)
		{
			throw serverError(e, MediaType.TEXT_PLAIN);
		}
	}

	@GET
	@Path("messages/{messageId}")
	public Message getMessage(@PathParam("messageId") final String messageId, @QueryParam("process") @DefaultValue("false") Boolean process)
	{
		Map<String, Object> query = new LinkedHashMap<>();
		query.put("path", "messages/{messageId}");
		query.put("messageId", messageId);
		query.put("process", process);
		recorder.query(query);
		Message message = recorder.message(messageId);
		if (message == null)
			throw new WebApplicationException(Response.status(Response.Status.NOT_FOUND).type(MediaType.APPLICATION_JSON).build());
		return message;
	}

	@GET
	@Path("events/unprocessed")
	public List<MessageEvent> getUnprocessedMessageEvents(
			@QueryParam("cpaId") String cpaId,
			@QueryParam("fromPartyId") String fromPartyId,
			@QueryParam("fromRole") String fromRole,
			@QueryParam("toPartyId") String toPartyId,
			@QueryParam("toRole") String toRole,
			@QueryParam("service") String service,
			@QueryParam("action") String action,
			@QueryParam("conversationId") String conversationId,
			@QueryParam("messageId") String messageId,
			@QueryParam("refToMessageId") String refToMessageId,
			@QueryParam("eventTypes") MessageEventType[] eventTypes,
			@QueryParam("maxNr") @DefaultValue("0") Integer maxNr)
	{
		Map<String, Object> query = new LinkedHashMap<>();
		query.put("path", "events/unprocessed");
		query.put("cpaId", cpaId);
		query.put("fromPartyId", fromPartyId);
		query.put("fromRole", fromRole);
		query.put("toPartyId", toPartyId);
		query.put("toRole", toRole);
		query.put("service", service);
		query.put("action", action);
		query.put("conversationId", conversationId);
		query.put("messageId", messageId);
		query.put("refToMessageId", refToMessageId);
		List<String> types = null;
		if (eventTypes != null)
		{
			types = new ArrayList<>();
			for (MessageEventType type : eventTypes)
				types.add(type == null ? null : type.name());
		}
		query.put("eventTypes", types);
		query.put("maxNr", maxNr);
		recorder.query(query);
		return recorder.events(eventTypes, maxNr == null ? 0 : maxNr);
	}

	/** ebms-core's WithService.toWebApplicationException for anything but not-found: 500, the message. */
	private static WebApplicationException serverError(Exception e, String type)
	{
		return new WebApplicationException(Response.status(Response.Status.INTERNAL_SERVER_ERROR).type(type).entity(e.getMessage()).build());
	}
}
