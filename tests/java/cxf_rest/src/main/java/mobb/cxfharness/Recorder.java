package mobb.cxfharness;

import jakarta.activation.DataHandler;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.cxf.jaxrs.ext.multipart.Attachment;

/**
 * What the harness saw and what it answers: the beans of the last send as CXF and Jackson handed them
 * to the resource, every other call with its parameters as CXF converted them, the messages it reads
 * back (sent ones, as ebms-core would store them, and received ones put by the tests), their statuses
 * and the events it lists. Thread-safe, bounded.
 */
final class Recorder
{
	/** The most messages kept for {@code GET /ebms/messages/{id}}; older ones are dropped. */
	private static final int MAX_MESSAGES = 200;

	/** The most calls kept for {@code GET /harness/calls}. */
	private static final int MAX_CALLS = 1000;

	private final Map<String, Message> messages = new LinkedHashMap<>();
	/** The received messages (put by the tests) not yet processed, in order. */
	private final List<String> unprocessed = new ArrayList<>();
	private final Map<String, MessageStatus> statuses = new LinkedHashMap<>();
	private final List<MessageEvent> events = new ArrayList<>();
	private final List<Map<String, Object>> calls = new ArrayList<>();
	private Map<String, Object> lastSend;
	private Instant timestamp;

	/** A send through {@code POST /ebms/messages}: record it, keep it for reading back, answer its id. */
	synchronized String sendJson(MessageRequest request) throws NoSuchAlgorithmException
	{
		if (request == null)
		{
			// ebms-core's handler would fail on it (a 500); the record says the resource got none.
			lastSend = new LinkedHashMap<>(Map.of("path", "json", "request", "none"));
			throw new IllegalArgumentException("the resource got no MessageRequest");
		}
		MessageRequestProperties properties = request.getProperties();
		List<Map<String, Object>> recorded = null;
		List<DataSource> echoed = null;
		if (request.getDataSources() != null)
		{
			recorded = new ArrayList<>();
			echoed = new ArrayList<>();
			for (DataSource source : request.getDataSources())
			{
				recorded.add(source == null ? null : dataSource(source.getName(), source.getContentId(), source.getContentType(), source.getContent()));
				if (source != null)
					echoed.add(source);
			}
		}
		return record("json", properties, recorded, echoed);
	}

	/**
	 * A send through {@code POST /ebms/messages/mtom}: each attachment as ebms-core takes it (content id
	 * from the Attachment, name and content type from its DataHandler).
	 */
	synchronized String sendMtom(MessageRequestProperties properties, List<Attachment> attachments) throws IOException, NoSuchAlgorithmException
	{
		List<Map<String, Object>> recorded = null;
		List<DataSource> echoed = null;
		if (attachments != null)
		{
			recorded = new ArrayList<>();
			echoed = new ArrayList<>();
			for (Attachment attachment : attachments)
			{
				DataHandler handler = attachment.getDataHandler();
				byte[] content;
				try (InputStream in = handler.getInputStream())
				{
					content = in.readAllBytes();
				}
				Map<String, Object> source = dataSource(handler.getName(), attachment.getContentId(), handler.getContentType(), content);
				source.put("contentDisposition", attachment.getHeader("Content-Disposition"));
				recorded.add(source);
				echoed.add(new DataSource(handler.getName(), attachment.getContentId(), handler.getContentType(), content));
			}
		}
		return record("mtom", properties, recorded, echoed);
	}

	private String record(String path, MessageRequestProperties properties, List<Map<String, Object>> recorded, List<DataSource> echoed)
	{
		String messageId = properties != null && properties.getMessageId() != null ? properties.getMessageId() : UUID.randomUUID() + "@cxf-harness";
		Map<String, Object> send = new LinkedHashMap<>();
		send.put("path", path);
		send.put("messageId", messageId);
		send.put("properties", properties == null ? null : properties(properties));
		send.put("dataSources", recorded);
		send.put("echo", echo(messageId, properties, echoed));
		lastSend = send;
		return messageId;
	}

	/** Keep the message for reading back; the reason when it cannot be (a property the echo needs is null). */
	private String echo(String messageId, MessageRequestProperties p, List<DataSource> sources)
	{
		if (p == null)
			return "not kept: no properties";
		try
		{
			Instant at = timestamp != null ? timestamp : Instant.now();
			// ebms-core makes up a conversationId when none is given; so does the harness.
			String conversationId = p.getConversationId() != null ? p.getConversationId() : UUID.randomUUID().toString();
			MessageProperties properties = new MessageProperties(
					p.getCpaId(),
					new Party(p.getFromPartyId(), p.getFromRole()),
					new Party(p.getToPartyId(), p.getToRole()),
					p.getService(),
					p.getAction(),
					at,
					conversationId,
					messageId,
					p.getRefToMessageId(),
					EbMSMessageStatus.CREATED);
			messages.put(messageId, new Message(properties, sources));
			for (Iterator<String> i = messages.keySet().iterator(); messages.size() > MAX_MESSAGES;)
			{
				i.next();
				i.remove();
			}
			return "kept";
		}
		catch (IllegalArgumentException e)
		{
			return "not kept: " + e.getMessage();
		}
	}

	private static Map<String, Object> properties(MessageRequestProperties p)
	{
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("cpaId", p.getCpaId());
		result.put("fromPartyId", p.getFromPartyId());
		result.put("fromRole", p.getFromRole());
		result.put("toPartyId", p.getToPartyId());
		result.put("toRole", p.getToRole());
		result.put("service", p.getService());
		result.put("action", p.getAction());
		result.put("conversationId", p.getConversationId());
		result.put("messageId", p.getMessageId());
		result.put("refToMessageId", p.getRefToMessageId());
		return result;
	}

	private static Map<String, Object> dataSource(String name, String contentId, String contentType, byte[] content) throws NoSuchAlgorithmException
	{
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("name", name);
		result.put("contentId", contentId);
		result.put("contentType", contentType);
		result.put("size", content == null ? null : content.length);
		result.put("sha256", content == null ? null : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
		return result;
	}

	synchronized Message message(String messageId)
	{
		return messages.get(messageId);
	}

	synchronized List<MessageEvent> events(MessageEventType[] types, int maxNr)
	{
		List<MessageEvent> result = new ArrayList<>();
		for (MessageEvent event : events)
		{
			if (maxNr > 0 && result.size() >= maxNr)
				break;
			if (types == null || types.length == 0 || Arrays.asList(types).contains(event.getType()))
				result.add(event);
		}
		return result;
	}

	/** Record a call other than a send: its path and its parameters as CXF converted them. */
	synchronized void call(Map<String, Object> call)
	{
		calls.add(call);
		if (calls.size() > MAX_CALLS)
			calls.remove(0);
	}

	synchronized List<Map<String, Object>> calls()
	{
		return new ArrayList<>(calls);
	}

	/** A received message, as ebms-core stores what the other MSH sent: listed as unprocessed. */
	synchronized void receive(Message message)
	{
		String id = message.getProperties().getMessageId();
		messages.put(id, message);
		unprocessed.remove(id);
		unprocessed.add(id);
	}

	/** The unprocessed received messages matching every given (non-null) property, at most maxNr (0: all). */
	synchronized List<String> unprocessed(Map<String, String> filter, int maxNr)
	{
		List<String> result = new ArrayList<>();
		for (String id : unprocessed)
		{
			if (maxNr > 0 && result.size() >= maxNr)
				break;
			if (matches(messages.get(id).getProperties(), filter))
				result.add(id);
		}
		return result;
	}

	private static boolean matches(MessageProperties p, Map<String, String> filter)
	{
		Map<String, String> have = new LinkedHashMap<>();
		have.put("cpaId", p.getCpaId());
		have.put("fromPartyId", p.getFromParty().getPartyId());
		have.put("fromRole", p.getFromParty().getRole());
		have.put("toPartyId", p.getToParty().getPartyId());
		have.put("toRole", p.getToParty().getRole());
		have.put("service", p.getService());
		have.put("action", p.getAction());
		have.put("conversationId", p.getConversationId());
		have.put("messageId", p.getMessageId());
		have.put("refToMessageId", p.getRefToMessageId());
		for (Map.Entry<String, String> e : filter.entrySet())
			if (e.getValue() != null && !e.getValue().equals(have.get(e.getKey())))
				return false;
		return true;
	}

	/** ebms-core's processMessage: a received message is no longer unprocessed. */
	synchronized void process(String messageId)
	{
		unprocessed.remove(messageId);
	}

	/** ebms-core's processMessageEvent: the message's events are processed, and the message itself. */
	synchronized void processEvents(String messageId)
	{
		events.removeIf(e -> e.getMessageId().equals(messageId));
		unprocessed.remove(messageId);
	}

	/** ebms-core's resend: the same message again under a new id (null: unknown id). */
	synchronized String resend(String messageId)
	{
		Message original = messages.get(messageId);
		if (original == null)
			return null;
		MessageProperties p = original.getProperties();
		String newId = UUID.randomUUID() + "@cxf-harness";
		MessageProperties copy = new MessageProperties(
				p.getCpaId(),
				p.getFromParty(),
				p.getToParty(),
				p.getService(),
				p.getAction(),
				timestamp != null ? timestamp : Instant.now(),
				p.getConversationId(),
				newId,
				p.getRefToMessageId(),
				EbMSMessageStatus.CREATED);
		messages.put(newId, new Message(copy, original.getDataSources()));
		return newId;
	}

	synchronized MessageStatus status(String messageId)
	{
		return statuses.get(messageId);
	}

	synchronized void setStatus(String messageId, MessageStatus status)
	{
		statuses.put(messageId, status);
	}

	synchronized Map<String, Object> lastSend()
	{
		return lastSend;
	}

	synchronized Map<String, Object> lastQuery()
	{
		return calls.isEmpty() ? null : calls.get(calls.size() - 1);
	}

	synchronized void setEvents(List<MessageEvent> newEvents)
	{
		events.clear();
		events.addAll(newEvents);
	}

	synchronized void setTimestamp(Instant at)
	{
		timestamp = at;
	}

	synchronized void reset()
	{
		messages.clear();
		unprocessed.clear();
		statuses.clear();
		events.clear();
		calls.clear();
		lastSend = null;
		timestamp = null;
	}
}
