package mobb.cxfharness;

import java.beans.ConstructorProperties;

/**
 * The shape of ebms-core's service.model.DataSource: name, contentId, contentType (non-null) and content
 * (non-null; Jackson reads and writes a byte[] as base64).
 */
public class DataSource
{
	private String name;
	private String contentId;
	private String contentType;
	private byte[] content;

	public DataSource()
	{
	}

	@ConstructorProperties({"name", "contentId", "contentType", "content"})
	public DataSource(String name, String contentId, String contentType, byte[] content)
	{
		this.name = name;
		this.contentId = contentId;
		this.contentType = NonNull.check(contentType, "contentType");
		this.content = NonNull.check(content, "content");
	}

	public String getName()
	{
		return name;
	}

	public void setName(String name)
	{
		this.name = name;
	}

	public String getContentId()
	{
		return contentId;
	}

	public void setContentId(String contentId)
	{
		this.contentId = contentId;
	}

	public String getContentType()
	{
		return contentType;
	}

	public void setContentType(String contentType)
	{
		this.contentType = NonNull.check(contentType, "contentType");
	}

	public byte[] getContent()
	{
		return content;
	}

	public void setContent(byte[] content)
	{
		this.content = NonNull.check(content, "content");
	}
}
