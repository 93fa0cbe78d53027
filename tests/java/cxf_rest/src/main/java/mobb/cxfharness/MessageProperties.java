package mobb.cxfharness;

import java.beans.ConstructorProperties;
import java.time.Instant;

/**
 * The shape of ebms-core's service.model.MessageProperties, what {@code GET /ebms/messages/{id}} writes:
 * cpaId, fromParty, toParty, service, action, timestamp (an Instant), conversationId, messageId,
 * refToMessageId and messageStatus; all but refToMessageId non-null.
 */
public class MessageProperties
{
	private String cpaId;
	private Party fromParty;
	private Party toParty;
	private String service;
	private String action;
	private Instant timestamp;
	private String conversationId;
	private String messageId;
	private String refToMessageId;
	private EbMSMessageStatus messageStatus;

	public MessageProperties()
	{
	}

	@ConstructorProperties({"cpaId", "fromParty", "toParty", "service", "action", "timestamp", "conversationId", "messageId", "refToMessageId", "messageStatus"})
	public MessageProperties(
			String cpaId,
			Party fromParty,
			Party toParty,
			String service,
			String action,
			Instant timestamp,
			String conversationId,
			String messageId,
			String refToMessageId,
			EbMSMessageStatus messageStatus)
	{
		this.cpaId = NonNull.check(cpaId, "cpaId");
		this.fromParty = NonNull.check(fromParty, "fromParty");
		this.toParty = NonNull.check(toParty, "toParty");
		this.service = NonNull.check(service, "service");
		this.action = NonNull.check(action, "action");
		this.timestamp = NonNull.check(timestamp, "timestamp");
		this.conversationId = NonNull.check(conversationId, "conversationId");
		this.messageId = NonNull.check(messageId, "messageId");
		this.refToMessageId = refToMessageId;
		this.messageStatus = NonNull.check(messageStatus, "messageStatus");
	}

	public String getCpaId()
	{
		return cpaId;
	}

	public Party getFromParty()
	{
		return fromParty;
	}

	public Party getToParty()
	{
		return toParty;
	}

	public String getService()
	{
		return service;
	}

	public String getAction()
	{
		return action;
	}

	public Instant getTimestamp()
	{
		return timestamp;
	}

	public String getConversationId()
	{
		return conversationId;
	}

	public String getMessageId()
	{
		return messageId;
	}

	public String getRefToMessageId()
	{
		return refToMessageId;
	}

	public EbMSMessageStatus getMessageStatus()
	{
		return messageStatus;
	}
}
