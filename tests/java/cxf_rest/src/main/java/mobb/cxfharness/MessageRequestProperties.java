package mobb.cxfharness;

import java.beans.ConstructorProperties;

/**
 * The shape of ebms-core's service.model.MessageRequestProperties: ten string properties, cpaId non-null,
 * a no-argument constructor, setters, an all-arguments constructor with {@code @ConstructorProperties}
 * (which Jackson uses as the creator) and a hand-written constructor Jackson ignores.
 */
public class MessageRequestProperties
{
	private String cpaId;
	private String fromPartyId;
	private String fromRole;
	private String toPartyId;
	private String toRole;
	private String service;
	private String action;
	private String conversationId;
	private String messageId;
	private String refToMessageId;

	public MessageRequestProperties()
	{
	}

	@ConstructorProperties({"cpaId", "fromPartyId", "fromRole", "toPartyId", "toRole", "service", "action", "conversationId", "messageId", "refToMessageId"})
	public MessageRequestProperties(
			String cpaId,
			String fromPartyId,
			String fromRole,
			String toPartyId,
			String toRole,
			String service,
			String action,
			String conversationId,
			String messageId,
			String refToMessageId)
	{
		this.cpaId = NonNull.check(cpaId, "cpaId");
		this.fromPartyId = fromPartyId;
		this.fromRole = fromRole;
		this.toPartyId = toPartyId;
		this.toRole = toRole;
		this.service = service;
		this.action = action;
		this.conversationId = conversationId;
		this.messageId = messageId;
		this.refToMessageId = refToMessageId;
	}

	public MessageRequestProperties(String cpaId, Party fromParty, String service, String action)
	{
		this.cpaId = NonNull.check(cpaId, "cpaId");
		NonNull.check(fromParty, "fromParty");
		this.fromPartyId = fromParty.getPartyId();
		this.fromRole = fromParty.getRole();
		this.service = NonNull.check(service, "service");
		this.action = NonNull.check(action, "action");
	}

	public String getCpaId()
	{
		return cpaId;
	}

	public void setCpaId(String cpaId)
	{
		this.cpaId = NonNull.check(cpaId, "cpaId");
	}

	public String getFromPartyId()
	{
		return fromPartyId;
	}

	public void setFromPartyId(String fromPartyId)
	{
		this.fromPartyId = fromPartyId;
	}

	public String getFromRole()
	{
		return fromRole;
	}

	public void setFromRole(String fromRole)
	{
		this.fromRole = fromRole;
	}

	public String getToPartyId()
	{
		return toPartyId;
	}

	public void setToPartyId(String toPartyId)
	{
		this.toPartyId = toPartyId;
	}

	public String getToRole()
	{
		return toRole;
	}

	public void setToRole(String toRole)
	{
		this.toRole = toRole;
	}

	public String getService()
	{
		return service;
	}

	public void setService(String service)
	{
		this.service = service;
	}

	public String getAction()
	{
		return action;
	}

	public void setAction(String action)
	{
		this.action = action;
	}

	public String getConversationId()
	{
		return conversationId;
	}

	public void setConversationId(String conversationId)
	{
		this.conversationId = conversationId;
	}

	public String getMessageId()
	{
		return messageId;
	}

	public void setMessageId(String messageId)
	{
		this.messageId = messageId;
	}

	public String getRefToMessageId()
	{
		return refToMessageId;
	}

	public void setRefToMessageId(String refToMessageId)
	{
		this.refToMessageId = refToMessageId;
	}
}
