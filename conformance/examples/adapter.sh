#!/bin/sh
# A command adapter: the suite runs it once per case with the request (JSON) on stdin and reads the
# response (JSON) from stdout. Replace the last line with your product's own entry point, e.g.
#   exec java -jar zaaksysteem-conformance.jar
# or   exec dotnet Zaaksysteem.Conformance.dll
# This one hands the request to mobb-sdk's reference adapter in a separate Python process.
exec "${PYTHON:-python3}" -m mobb_sdk.conformance.stdio mobb_sdk.conformance.reference:ReferenceAdapter
