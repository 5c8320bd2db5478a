package com.example.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;

public class Envelope {
  private final SecureRandom random = new SecureRandom();

  public byte[] sealFixed(SecretKey key, byte[] message) throws Exception {
    Cipher cbc = Cipher.getInstance("AES/CBC/PKCS5Padding");
    cbc.init(Cipher.ENCRYPT_MODE, key,
        new IvParameterSpec("0123456789abcdef".getBytes())); // ward-expect: java.static-iv
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, key,
        new GCMParameterSpec(128, new byte[12])); // ward-expect: java.static-iv
    IvParameterSpec literal = new IvParameterSpec(new byte[] {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}); // ward-expect: java.static-iv
    return gcm.doFinal(message);
  }

  public byte[] seal(SecretKey key, byte[] message) throws Exception {
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
    byte[] label = "envelope".getBytes(StandardCharsets.UTF_8);
    gcm.updateAAD(label);
    return gcm.doFinal(message);
  }
}
