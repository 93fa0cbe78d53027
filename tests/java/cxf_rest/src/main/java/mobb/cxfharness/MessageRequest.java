package mobb.cxfharness;

import java.beans.ConstructorProperties;
import java.util.List;

/** The shape of ebms-core's service.model.MessageRequest: properties (non-null) and dataSources. */
public class MessageRequest
{
	private MessageRequestProperties properties;
	private List<DataSource> dataSources;

	public MessageRequest()
	{
	}

	@ConstructorProperties({"properties", "dataSources"})
	public MessageRequest(MessageRequestProperties properties, List<DataSource> dataSources)
	{
		this.properties = NonNull.check(properties, "properties");
		this.dataSources = dataSources;
	}

	public MessageRequestProperties getProperties()
	{
		return properties;
	}

	public void setProperties(MessageRequestProperties properties)
	{
		this.properties = NonNull.check(properties, "properties");
	}

	public List<DataSource> getDataSources()
	{
		return dataSources;
	}

	public void setDataSources(List<DataSource> dataSources)
	{
		this.dataSources = dataSources;
	}
}
