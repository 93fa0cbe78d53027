package mobb.cxfharness;

import java.beans.ConstructorProperties;

/** The shape of ebms-core's service.model.MessageEvent: messageId and type, both non-null, no setters' use. */
public class MessageEvent
{
	private String messageId;
	private MessageEventType type;

	@ConstructorProperties({"messageId", "type"})
	public MessageEvent(String messageId, MessageEventType type)
	{
		this.messageId = NonNull.check(messageId, "messageId");
		this.type = NonNull.check(type, "type");
	}

	public String getMessageId()
	{
		return messageId;
	}

	public void setMessageId(String messageId)
	{
		this.messageId = NonNull.check(messageId, "messageId");
	}

	public MessageEventType getType()
	{
		return type;
	}

	public void setType(MessageEventType type)
	{
		this.type = NonNull.check(type, "type");
	}
}
