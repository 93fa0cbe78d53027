package mobb.cxfharness;

import java.beans.ConstructorProperties;
import java.util.List;

/** The shape of ebms-core's service.model.Message: properties (non-null) and dataSources. */
public class Message
{
	private MessageProperties properties;
	private List<DataSource> dataSources;

	@ConstructorProperties({"properties", "dataSources"})
	public Message(MessageProperties properties, List<DataSource> dataSources)
	{
		this.properties = NonNull.check(properties, "properties");
		this.dataSources = dataSources;
	}

	public MessageProperties getProperties()
	{
		return properties;
	}

	public List<DataSource> getDataSources()
	{
		return dataSources;
	}
}
