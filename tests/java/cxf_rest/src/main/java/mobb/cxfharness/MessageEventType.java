package mobb.cxfharness;

/** ebms-core's event types; CXF turns each {@code eventTypes} query value into one with valueOf. */
public enum MessageEventType
{
	RECEIVED, DELIVERED, FAILED, EXPIRED
}
