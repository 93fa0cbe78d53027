package mobb.cxfharness;

import java.beans.ConstructorProperties;
import java.time.Instant;

/** The shape of ebms-core's service.model.MessageStatus: timestamp (may be null) and status (non-null). */
public class MessageStatus
{
	private Instant timestamp;
	private EbMSMessageStatus status;

	@ConstructorProperties({"timestamp", "status"})
	public MessageStatus(Instant timestamp, EbMSMessageStatus status)
	{
		this.timestamp = timestamp;
		this.status = NonNull.check(status, "status");
	}

	public Instant getTimestamp()
	{
		return timestamp;
	}

	public EbMSMessageStatus getStatus()
	{
		return status;
	}
}
