package mobb.cxfharness;

import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.jakarta.rs.json.JacksonJsonProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.cxf.Bus;
import org.apache.cxf.BusFactory;
import org.apache.cxf.endpoint.Server;
import org.apache.cxf.jaxrs.JAXRSServerFactoryBean;
import org.apache.cxf.jaxrs.lifecycle.SingletonResourceProvider;

/**
 * Serves {@link EbmsMessageResource} under {@code http://127.0.0.1:PORT/service/rest/v19/ebms} (ebms-admin's
 * path) with Jackson configured as ebms-admin 2.20.2 configures it, and {@link HarnessResource} under
 * {@code /harness}. Arguments: the port (0: a free one) and the most seconds to run (default 900). Prints
 * {@code LISTENING <base url>} once serving; stops when standard input closes or the time is up.
 */
public final class Main
{
	private Main()
	{
	}

	public static void main(String[] args) throws Exception
	{
		int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
		long maxSeconds = args.length > 1 ? Long.parseLong(args[1]) : 900;
		if (port == 0)
			port = freePort();
		String root = "http://127.0.0.1:" + port;
		Recorder recorder = new Recorder();
		Bus bus = BusFactory.newInstance().createBus();
		Server ebms = server(bus, root + "/service/rest/v19/ebms", EbmsMessageResource.class, new EbmsMessageResource(recorder), ebmsCoreJsonProvider());
		Server harness = server(bus, root + "/harness", HarnessResource.class, new HarnessResource(recorder), harnessJsonProvider());
		System.out.println("LISTENING " + root + "/service/rest/v19");
		System.out.flush();
		CountDownLatch stop = new CountDownLatch(1);
		Thread stdin = new Thread(() -> {
			try
			{
				while (System.in.read() != -1)
				{
					// nothing to read: the parent closes standard input to stop the harness
				}
			}
			catch (IOException e)
			{
				// a broken pipe stops the harness as well
			}
			stop.countDown();
		}, "stdin-watch");
		stdin.setDaemon(true);
		stdin.start();
		stop.await(maxSeconds, TimeUnit.SECONDS);
		ebms.destroy();
		harness.destroy();
		bus.shutdown(true);
		System.exit(0);
	}

	/** ebms-admin's EmbeddedWebConfig.createObjectMapper: Jdk8 and JavaTime modules, ISO dates, no nulls. */
	static JacksonJsonProvider ebmsCoreJsonProvider()
	{
		ObjectMapper mapper = new ObjectMapper();
		mapper.registerModule(new Jdk8Module());
		mapper.registerModule(new JavaTimeModule());
		mapper.configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false);
		mapper.setSerializationInclusion(Include.NON_NULL);
		JacksonJsonProvider provider = new JacksonJsonProvider();
		provider.setMapper(mapper);
		return provider;
	}

	/** The side door's Jackson: instants as ISO-8601 text, nulls written (a record shows what was null). */
	static JacksonJsonProvider harnessJsonProvider()
	{
		ObjectMapper mapper = new ObjectMapper();
		mapper.registerModule(new JavaTimeModule());
		mapper.configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false);
		return new JacksonJsonProvider(mapper);
	}

	private static Server server(Bus bus, String address, Class<?> resourceClass, Object resource, Object jsonProvider)
	{
		JAXRSServerFactoryBean factory = new JAXRSServerFactoryBean();
		factory.setBus(bus);
		factory.setAddress(address);
		factory.setProviders(List.of(jsonProvider));
		factory.setResourceClasses(resourceClass);
		factory.setResourceProvider(resourceClass, new SingletonResourceProvider(resource));
		return factory.create();
	}

	private static int freePort() throws IOException
	{
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
		{
			return socket.getLocalPort();
		}
	}
}
