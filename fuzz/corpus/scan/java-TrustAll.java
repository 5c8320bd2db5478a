package com.example.http;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import org.apache.http.conn.ssl.NoopHostnameVerifier;

public class TrustAll {
  static class AcceptAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(
        X509Certificate[] chain, String authType) { // ward-expect: java.tls-verification-disabled
      // trust everyone
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  static class Pinned implements X509TrustManager {
    private final X509TrustManager delegate;

    Pinned(X509TrustManager delegate) { this.delegate = delegate; }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }

  static class AnyHost implements HostnameVerifier {
    @Override
    public boolean verify(
        String hostname, SSLSession session) { // ward-expect: java.tls-verification-disabled
      return true;
    }
  }

  static class OnlyExample implements HostnameVerifier {
    @Override
    public boolean verify(String hostname, SSLSession session) {
      return hostname.equals("api.example.com");
    }
  }

  static void configure(HttpsURLConnection connection, boolean insecure) {
    if (insecure) {
      connection.setHostnameVerifier(
          (hostname, session) -> true); // ward-expect: java.tls-verification-disabled
      connection.setHostnameVerifier(
          NoopHostnameVerifier.INSTANCE); // ward-expect: java.tls-verification-disabled
    }
    connection.setHostnameVerifier(new OnlyExample());
  }
}
