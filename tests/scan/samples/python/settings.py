"""Structural Python rules: hashes, random numbers, YAML, XML, TLS, cookies, debug mode, CORS."""
import hashlib
import random
import secrets
import subprocess

import requests
import yaml
from flask import Flask, make_response
from flask_cors import CORS
from lxml import etree
from xml.sax import make_parser
from xml.sax.handler import feature_external_ges

app = Flask(__name__)
CORS(app, origins="*", supports_credentials=True)  # ward-expect: python.cors-wildcard-credentials
CORS(app, origins=["https://app.example.com"], supports_credentials=True)
DEBUG = True  # ward-expect: python.flask-debug


def fingerprint(data: bytes) -> str:
    hashlib.sha256(data).hexdigest()
    hashlib.md5(data, usedforsecurity=False).hexdigest()
    hashlib.new("sha1", data)  # ward-expect: python.weak-hash-by-name
    return hashlib.md5(data).hexdigest()  # ward-expect: python.weak-hash


def reset_code() -> str:
    weak = random.randint(100000, 999999)  # ward-expect: python.weak-random
    return f"{weak}-{secrets.token_hex(8)}"


def load_config(path: str) -> dict:
    with open(path) as f:
        text = f.read()
    yaml.safe_load(text)
    yaml.load(text, Loader=yaml.SafeLoader)
    return yaml.load(text)  # ward-expect: python.yaml-load


def parse_xml(data: bytes):
    etree.XMLParser(resolve_entities=False)
    parser = etree.XMLParser(resolve_entities=True)  # ward-expect: python.xxe
    sax = make_parser()
    sax.setFeature(feature_external_ges, True)  # ward-expect: python.xxe
    return etree.fromstring(data, parser)


def fetch(url: str):
    requests.get(url, timeout=10)
    return requests.get(url, verify=False, timeout=10)  # ward-expect: python.tls-verification-disabled


def archive():
    subprocess.run(["tar", "czf", "/tmp/a.tgz", "/srv"], check=True)
    subprocess.run("tar czf /tmp/a.tgz /srv", shell=True, check=True)  # ward-expect: python.subprocess-shell-true


@app.route("/login")
def login():
    response = make_response("ok")
    response.set_cookie("session", secrets.token_hex(16), secure=True, httponly=True)
    response.set_cookie("theme", "dark", secure=False)  # ward-expect: python.insecure-cookie
    return response


if __name__ == "__main__":
    app.run(port=5000)
    app.run(debug=True)  # ward-expect: python.flask-debug
