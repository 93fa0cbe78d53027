package mobb.cxfharness;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/** The tests' side door: what the ebms resource parsed, and what it should answer. Not part of ebms-core. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class HarnessResource
{
	private final Recorder recorder;

	public HarnessResource(Recorder recorder)
	{
		this.recorder = recorder;
	}

	/** The last send as the resource got it (404 before the first). */
	@GET
	@Path("last")
	public Map<String, Object> last()
	{
		return orNotFound(recorder.lastSend());
	}

	/** The parameters of the last read (events or a message), as CXF converted them. */
	@GET
	@Path("last-query")
	public Map<String, Object> lastQuery()
	{
		return orNotFound(recorder.lastQuery());
	}

	/** Every call other than a send since the last reset, oldest first. */
	@GET
	@Path("calls")
	public List<Map<String, Object>> calls()
	{
		return recorder.calls();
	}

	/** A message received from the other MSH (a Message as ebms-core writes it), listed as unprocessed. */
	@PUT
	@Path("incoming")
	@Consumes(MediaType.APPLICATION_JSON)
	public void incoming(Message message)
	{
		recorder.receive(message);
	}

	/** What {@code GET /ebms/messages/{id}/status} answers for the message. */
	@PUT
	@Path("status/{messageId}")
	@Consumes(MediaType.APPLICATION_JSON)
	public void status(@PathParam("messageId") String messageId, MessageStatus status)
	{
		recorder.setStatus(messageId, status);
	}

	/** The events {@code GET /ebms/events/unprocessed} lists from now on. */
	@PUT
	@Path("events")
	@Consumes(MediaType.APPLICATION_JSON)
	public void events(List<MessageEvent> events)
	{
		recorder.setEvents(events);
	}

	/** The timestamp of the messages sent from now on (an ISO-8601 instant; empty: the clock). */
	@PUT
	@Path("timestamp")
	@Consumes(MediaType.TEXT_PLAIN)
	public void timestamp(String at)
	{
		try
		{
			recorder.setTimestamp(at == null || at.isBlank() ? null : Instant.parse(at.strip()));
		}
		catch (DateTimeParseException e)
		{
			throw new WebApplicationException(Response.status(Response.Status.BAD_REQUEST).type(MediaType.TEXT_PLAIN).entity(e.getMessage()).build());
		}
	}

	/** Forget everything. */
	@DELETE
	@Path("state")
	public void reset()
	{
		recorder.reset();
	}

	private static Map<String, Object> orNotFound(Map<String, Object> value)
	{
		if (value == null)
			throw new WebApplicationException(Response.Status.NOT_FOUND);
		return value;
	}
}
