"""Cryptography and transport settings: weak ciphers and keys, old TLS, unverified SSH hosts,
clear-text protocols, temporary file names, and templates that do not escape HTML."""
import ftplib
import os
import ssl
import tempfile
import telnetlib

import jinja2
import paramiko
from Crypto.Cipher import AES, DES, ARC4
from Crypto.PublicKey import RSA
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from ssl import PROTOCOL_TLSv1_1


def encrypt(key, iv, data):
    legacy = DES.new(key, DES.MODE_CBC, iv)  # ward-expect: python.weak-cipher
    stream = ARC4.new(key)  # ward-expect: python.weak-cipher
    triple = Cipher(algorithms.TripleDES(key), modes.CBC(iv))  # ward-expect: python.weak-cipher
    blocks = AES.new(key, AES.MODE_ECB)  # ward-expect: python.cipher-ecb-mode
    by_keyword = AES.new(key, mode=AES.MODE_ECB)  # ward-expect: python.cipher-ecb-mode
    ecb = Cipher(algorithms.AES(key), modes.ECB())  # ward-expect: python.cipher-ecb-mode
    fixed_iv = AES.new(key, AES.MODE_CBC, b"0123456789abcdef")  # ward-expect: python.static-iv
    fixed_nonce = AES.new(key, AES.MODE_GCM, nonce=bytes(12))  # ward-expect: python.static-iv
    zero_iv = Cipher(algorithms.AES(key), modes.CBC(b"\x00" * 16))  # ward-expect: python.static-iv
    counter = Cipher(algorithms.AES(key), modes.CTR(nonce=b"0123456789abcdef"))  # ward-expect: python.static-iv
    good = AES.new(key, AES.MODE_GCM, nonce=iv)
    also_good = Cipher(algorithms.AES(key), modes.GCM(iv))
    fresh = Cipher(algorithms.AES(key), modes.CBC(os.urandom(16)))
    return legacy, stream, triple, blocks, by_keyword, ecb, fixed_iv, fixed_nonce, zero_iv, counter, good, also_good, fresh


def keys():
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # ward-expect: python.weak-key-size
    positional = rsa.generate_private_key(65537, 512)  # ward-expect: python.weak-key-size
    small_dsa = dsa.generate_private_key(key_size=1024)  # ward-expect: python.weak-key-size
    old = RSA.generate(1024)  # ward-expect: python.weak-key-size
    curve = ec.generate_private_key(ec.SECP192R1())  # ward-expect: python.weak-key-size
    strong = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    strong_dsa = dsa.generate_private_key(key_size=2048)
    modern = ec.generate_private_key(ec.SECP256R1())
    return short, positional, small_dsa, old, curve, strong, strong_dsa, modern


def tls(sock):
    old = ssl.SSLContext(ssl.PROTOCOL_TLSv1)  # ward-expect: python.tls-weak-version
    imported = ssl.SSLContext(PROTOCOL_TLSv1_1)  # ward-expect: python.tls-weak-version
    wrapped = ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_SSLv3)  # ward-expect: python.tls-weak-version
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1  # ward-expect: python.tls-weak-version
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return old, imported, wrapped, context, client


def connect(host):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # ward-expect: python.ssh-host-key-not-verified
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.load_system_host_keys()
    session = telnetlib.Telnet(host)  # ward-expect: python.cleartext-protocol
    files = ftplib.FTP(host)  # ward-expect: python.cleartext-protocol
    secure_files = ftplib.FTP_TLS(host)
    return client, session, files, secure_files


def scratch():
    name = tempfile.mktemp(suffix=".txt")  # ward-expect: python.insecure-temp-file
    handle, path = tempfile.mkstemp(suffix=".txt")
    os.close(handle)
    return name, path


def templates(loader):
    plain = jinja2.Environment(loader=loader)  # ward-expect: python.template-autoescape-off
    off = jinja2.Environment(loader=loader, autoescape=False)  # ward-expect: python.template-autoescape-off
    on = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape())
    page = jinja2.Template("<p>{{ name }}</p>", autoescape=True)
    return plain, off, on, page


def pyopenssl():
    from OpenSSL import SSL
    old = SSL.Context(SSL.TLSv1_METHOD)  # ward-expect: python.tls-weak-version
    any_version = SSL.Context(SSL.TLS_METHOD)
    return old, any_version
