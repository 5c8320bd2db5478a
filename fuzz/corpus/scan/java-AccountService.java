package com.example.accounts;

import java.io.InputStream;
import java.io.ObjectInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import javax.crypto.Cipher;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletResponse;

public class AccountService {
  private final Connection connection;
  private final SecureRandom secureRandom = new SecureRandom();
  private final Random random = new Random(); // ward-expect: java.weak-random

  public AccountService(Connection connection) { this.connection = connection; }

  public ResultSet findByName(String name) throws SQLException {
    Statement statement = connection.createStatement();
    return statement.executeQuery("SELECT id, email FROM accounts WHERE name = '" + name
        + "'"); // ward-expect: java.sql-injection
  }

  public ResultSet findById(long id) throws SQLException {
    PreparedStatement statement =
        connection.prepareStatement("SELECT id, email FROM accounts WHERE id = ?");
    statement.setLong(1, id);
    return statement.executeQuery();
  }

  public int rename(String table, String name) throws SQLException {
    String sql = String.format("UPDATE %s SET name = '%s'", table, name);
    connection.createStatement().executeUpdate(String.format(
        "DELETE FROM %s WHERE name = '%s'", table, name)); // ward-expect: java.sql-injection
    return connection.prepareStatement("UPDATE accounts SET name = ? WHERE id = " + sql.length())
        .executeUpdate(); // ward-expect: java.sql-injection
  }

  public byte[] passwordHash(String password) throws NoSuchAlgorithmException {
    MessageDigest.getInstance("SHA-256");
    MessageDigest md5 = MessageDigest.getInstance("MD5"); // ward-expect: java.weak-hash
    return md5.digest(password.getBytes());
  }

  public Cipher legacyCipher() throws Exception {
    Cipher.getInstance("AES/GCM/NoPadding");
    Cipher.getInstance("AES"); // ward-expect: java.weak-cipher
    Cipher.getInstance("AES/ECB/PKCS5Padding"); // ward-expect: java.weak-cipher
    return Cipher.getInstance("DESede/CBC/PKCS5Padding"); // ward-expect: java.weak-cipher
  }

  public String resetToken() {
    byte[] bytes = new byte[16];
    secureRandom.nextBytes(bytes);
    long weak = random.nextLong() + (long) (Math.random() * 1000); // ward-expect: java.weak-random
    return Long.toHexString(weak) + bytes.length;
  }

  public Object restore(InputStream in) throws Exception {
    try (ObjectInputStream stream =
             new ObjectInputStream(in)) { // ward-expect: java.unsafe-deserialization
      return stream.readObject();
    }
  }

  public void remember(HttpServletResponse response, String value) {
    Cookie cookie = new Cookie("remember", value);
    cookie.setSecure(false); // ward-expect: java.insecure-cookie
    cookie.setHttpOnly(true);
    response.addCookie(cookie);
    Cookie strict = new Cookie("session", value);
    strict.setSecure(true);
    strict.setHttpOnly(false); // ward-expect: java.insecure-cookie
    response.addCookie(strict);
  }

  public Process export(String directory) throws Exception {
    Runtime.getRuntime().exec("tar czf /tmp/export.tgz /srv/export");
    Runtime.getRuntime().exec(
        "tar czf /tmp/export.tgz " + directory); // ward-expect: java.command-injection
    Runtime.getRuntime().exec(new String[] {"tar", "czf", "/tmp/export.tgz", directory});
    Runtime.getRuntime().exec(new String[] {"/bin/sh", "-c",
        "tar czf /tmp/export.tgz " + directory}); // ward-expect: java.command-injection
    new ProcessBuilder("tar", "czf", "/tmp/export.tgz", directory).start();
    return new ProcessBuilder("sh", "-c", "du -sh " + directory)
        .start(); // ward-expect: java.command-injection
  }
}
