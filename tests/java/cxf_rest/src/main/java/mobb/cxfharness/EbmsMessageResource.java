package mobb.cxfharness;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
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
		recorder.call(query);
		Message message = recorder.message(messageId);
		if (message == null)
			throw notFound(MediaType.APPLICATION_JSON);
		if (Boolean.TRUE.equals(process))
			recorder.process(messageId);
		return message;
	}

	@POST
	@Path("ping/{cpaId}/from/{fromPartyId}/to/{toPartyId}")
	public void ping(@PathParam("cpaId") String cpaId, @PathParam("fromPartyId") String fromPartyId, @PathParam("toPartyId") String toPartyId)
	{
		Map<String, Object> call = new LinkedHashMap<>();
		call.put("path", "ping/{cpaId}/from/{fromPartyId}/to/{toPartyId}");
		call.put("cpaId", cpaId);
		call.put("fromPartyId", fromPartyId);
		call.put("toPartyId", toPartyId);
		recorder.call(call);
	}

	@PUT
	@Path("messages/{messageId}")
	@Produces(MediaType.TEXT_PLAIN)
	public String resendMessage(@PathParam("messageId") String messageId)
	{
		recorder.call(idCall("PUT messages/{messageId}", messageId));
		String newId = recorder.resend(messageId);
		if (newId == null)
			throw notFound(MediaType.TEXT_PLAIN);
		return newId;
	}

	@GET
	@Path("messages/unprocessed")
	public List<String> getUnprocessedMessageIds(
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
			@QueryParam("maxNr") @DefaultValue("0") Integer maxNr)
	{
		Map<String, String> filter = new LinkedHashMap<>();
		filter.put("cpaId", cpaId);
		filter.put("fromPartyId", fromPartyId);
		// as ebms-core's MessageFilter: a role counts only together with its party
		filter.put("fromRole", fromPartyId == null ? null : fromRole);
		filter.put("toPartyId", toPartyId);
		filter.put("toRole", toPartyId == null ? null : toRole);
		filter.put("service", service);
		filter.put("action", action);
		filter.put("conversationId", conversationId);
		filter.put("messageId", messageId);
		filter.put("refToMessageId", refToMessageId);
		Map<String, Object> call = new LinkedHashMap<>();
		call.put("path", "messages/unprocessed");
		call.putAll(filter);
		call.put("fromRole", fromRole);
		call.put("toRole", toRole);
		call.put("maxNr", maxNr);
		recorder.call(call);
		return recorder.unprocessed(filter, maxNr == null ? 0 : maxNr);
	}

	@PATCH
	@Path("messages/{messageId}")
	public void processMessage(@PathParam("messageId") final String messageId)
	{
		recorder.call(idCall("PATCH messages/{messageId}", messageId));
		recorder.process(messageId);
	}

	@GET
	@Path("messages/{messageId}/status")
	public MessageStatus getMessageStatus(@PathParam("messageId") String messageId)
	{
		recorder.call(idCall("messages/{messageId}/status", messageId));
		MessageStatus status = recorder.status(messageId);
		if (status == null)
			throw notFound(MediaType.APPLICATION_JSON);
		return status;
	}

	@PATCH
	@Path("events/{messageId}")
	public void processMessageEvent(@PathParam("messageId") final String messageId)
	{
		recorder.call(idCall("PATCH events/{messageId}", messageId));
		recorder.processEvents(messageId);
	}

	private static Map<String, Object> idCall(String path, String messageId)
	{
		Map<String, Object> call = new LinkedHashMap<>();
		call.put("path", path);
		call.put("messageId", messageId);
		return call;
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
		recorder.call(query);
		return recorder.events(eventTypes, maxNr == null ? 0 : maxNr);
	}

	/** ebms-core's WithService.toWebApplicationException for a not-found kind: 404, no body. */
	private static WebApplicationException notFound(String type)
	{
		return new WebApplicationException(Response.status(Response.Status.NOT_FOUND).type(type).build());
	}

	/** ebms-core's WithService.toWebApplicationException for anything but not-found: 500, the message. */
	private static WebApplicationException serverError(Exception e, String type)
	{
		return new WebApplicationException(Response.status(Response.Status.INTERNAL_SERVER_ERROR).type(type).entity(e.getMessage()).build());
	}
}
