package mobb.cxfharness;

/**
 * The null check that ebms-core's beans get from Lombok's {@code @NonNull} (its lombok.config sets
 * {@code lombok.nonNull.exceptionType = IllegalArgumentException}): in every setter and constructor.
 */
final class NonNull
{
	private NonNull()
	{
	}

	static <T> T check(T value, String name)
	{
		if (value == null)
			throw new IllegalArgumentException(name + " is marked non-null but is null");
		return value;
	}
}
