// Request data that flows through variables into sinks (the -flow taint rules).
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.naming.directory.DirContext;
import javax.naming.directory.SearchControls;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.owasp.encoder.Encode;
import org.w3c.dom.Document;

public class AccountServlet extends HttpServlet {
  private Connection connection;
  private DirContext directory;
  private Document accounts;

  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws Exception {
    String name = request.getParameter("name");
    String sql = "SELECT * FROM accounts WHERE name = '" + name + "'";
    Statement statement = connection.createStatement();
    ResultSet rows = statement.executeQuery(sql);  // ward-expect: java.sql-injection-flow
    PreparedStatement prepared = connection.prepareStatement("SELECT * FROM accounts WHERE name = ?");
    prepared.setString(1, name);
    ResultSet safeRows = prepared.executeQuery();
    int id = Integer.parseInt(request.getParameter("id"));
    statement.executeQuery("SELECT * FROM accounts WHERE id = " + id);  // ward-expect: java.sql-injection
  }

  protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String host = request.getHeader("X-Host");
    String command = "ping -c 1 " + host;
    Runtime.getRuntime().exec(command);  // ward-expect: java.command-injection, java.command-injection-flow
    Runtime.getRuntime().exec(new String[] {"uptime"});
    ProcessBuilder builder = new ProcessBuilder("nslookup", host);  // ward-expect: java.command-injection-flow
    ProcessBuilder fixed = new ProcessBuilder("nslookup", "example.com");
  }

  protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String report = request.getParameter("report");
    File file = new File("/srv/reports/" + report);  // ward-expect: java.path-traversal-flow
    File index = new File("/srv/reports/index.txt");
    byte[] data = Files.readAllBytes(Paths.get("/srv/reports", report));  // ward-expect: java.path-traversal-flow
    FileInputStream input = new FileInputStream(index);
  }

  protected void doHead(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String who = request.getParameter("who");
    response.getWriter().println("<p>Hello " + who + "</p>");  // ward-expect: java.xss-flow
    response.getWriter().println("<p>Hello " + Encode.forHtml(who) + "</p>");
    String next = request.getParameter("next");
    response.sendRedirect(next);  // ward-expect: java.open-redirect-flow
    response.sendRedirect("/home");
  }

  protected void doDelete(HttpServletRequest request, HttpServletResponse response) throws Exception {
    String user = request.getParameter("user");
    SearchControls controls = new SearchControls();
    directory.search("ou=people,dc=example,dc=com", "(uid=" + user + ")", controls);  // ward-expect: java.ldap-injection-flow
    directory.search("ou=people,dc=example,dc=com", "(uid={0})", new Object[] {user}, controls);
    XPath xpath = XPathFactory.newInstance().newXPath();
    String expression = "/accounts/account[name='" + user + "']";
    xpath.evaluate(expression, accounts);  // ward-expect: java.xpath-injection-flow
    xpath.evaluate("/accounts/account[1]/name", accounts);
  }

  protected void doOptions(HttpServletRequest request, HttpServletResponse response) throws Exception {
    String target = request.getParameter("url");
    InputStream page = new URL(target).openStream();  // ward-expect: java.ssrf-flow
    String query = URLEncoder.encode(target, "UTF-8");
    InputStream search = new URL("https://api.example.com/search?q=" + query).openStream();
    InputStream status = new URL("https://api.example.com/status").openStream();
    response.setStatus(page.read() + search.read() + status.read() > 0 ? 200 : 204);
  }
}
