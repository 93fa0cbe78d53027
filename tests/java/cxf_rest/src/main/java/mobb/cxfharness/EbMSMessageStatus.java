package mobb.cxfharness;

/** ebms-core's message status values (Jackson writes an enum by its name). */
public enum EbMSMessageStatus
{
	UNAUTHORIZED, NOT_RECOGNIZED, RECEIVED, PROCESSED, FORWARDED, FAILED, CREATED, DELIVERY_FAILED, DELIVERED, EXPIRED
}
