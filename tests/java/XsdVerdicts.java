// The JDK's verdicts on documents against XSD files: javax.xml.validation, nothing else.
//
// Run (no build step, JDK 11 or later): java tests/java/XsdVerdicts.java LIST
//
// LIST is a UTF-8 text file, one job per line: "<schema file>\t<document file>", or "<schema file>" alone
// to compile the schema only. Each schema is compiled once, from its file, so its imports are resolved
// by the JDK from the file's own directory. One line of output per job, tab separated:
//   COMPILED <schema>              the schema compiles (compile-only job)
//   VALID    <document>            the document satisfies its schema
//   INVALID  <document> <message>  it does not (the first error)
//   SCHEMA-ERROR <schema> <message>  the schema does not compile (its documents are not run)
// Network access is off: only file: URLs may be read while compiling, none while validating.
import java.io.BufferedReader;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

public final class XsdVerdicts {
    private static final ErrorHandler STRICT = new ErrorHandler() {
        @Override public void warning(SAXParseException e) { }
        @Override public void error(SAXParseException e) throws SAXException { throw e; }
        @Override public void fatalError(SAXParseException e) throws SAXException { throw e; }
    };

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        return message.replace('\t', ' ').replace('\r', ' ').replace('\n', ' ');
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java XsdVerdicts.java LIST");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "file");
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setErrorHandler(STRICT);
        Map<String, Schema> compiled = new HashMap<>();
        Map<String, String> failed = new HashMap<>();
        try (BufferedReader lines = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                String[] job = line.split("\t", 2);
                String schemaFile = job[0];
                Schema schema = compiled.get(schemaFile);
                if (schema == null && !failed.containsKey(schemaFile)) {
                    try {
                        schema = factory.newSchema(new File(schemaFile));
                        compiled.put(schemaFile, schema);
                    } catch (SAXException e) {
                        failed.put(schemaFile, oneLine(e));
                    }
                }
                if (schema == null) {
                    out.println("SCHEMA-ERROR\t" + schemaFile + "\t" + failed.get(schemaFile));
                    continue;
                }
                if (job.length == 1) {
                    out.println("COMPILED\t" + schemaFile);
                    continue;
                }
                Validator validator = schema.newValidator();
                validator.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
                validator.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
                validator.setErrorHandler(STRICT);
                try {
                    validator.validate(new StreamSource(new File(job[1])));
                    out.println("VALID\t" + job[1]);
                } catch (SAXException e) {
                    out.println("INVALID\t" + job[1] + "\t" + oneLine(e));
                }
            }
        }
        out.flush();
    }
}
