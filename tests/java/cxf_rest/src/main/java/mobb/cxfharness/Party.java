package mobb.cxfharness;

import java.beans.ConstructorProperties;

/** The shape of ebms-core's service.model.Party: partyId (non-null) and role. */
public class Party
{
	private String partyId;
	private String role;

	public Party()
	{
	}

	// ebms-core's lombok.config has anyConstructor.addConstructorProperties = true, so Jackson takes this
	// constructor as the creator and a missing partyId fails here, not silently.
	@ConstructorProperties({"partyId", "role"})
	public Party(String partyId, String role)
	{
		this.partyId = NonNull.check(partyId, "partyId");
		this.role = role;
	}

	public String getPartyId()
	{
		return partyId;
	}

	public void setPartyId(String partyId)
	{
		this.partyId = NonNull.check(partyId, "partyId");
	}

	public String getRole()
	{
		return role;
	}

	public void setRole(String role)
	{
		this.role = role;
	}
}
