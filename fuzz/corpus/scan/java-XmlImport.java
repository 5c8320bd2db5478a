package com.example.xml;

import java.io.InputStream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamReader;
import org.w3c.dom.Document;

public class XmlImport {
  public Document parseTrusted(InputStream in) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
    DocumentBuilder builder = factory.newDocumentBuilder();
    return builder.parse(in);
  }

  public Document parseLegacy(InputStream in) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature(
        "http://apache.org/xml/features/disallow-doctype-decl", false); // ward-expect: java.xxe
    factory.setFeature(
        "http://xml.org/sax/features/external-general-entities", true); // ward-expect: java.xxe
    return factory.newDocumentBuilder().parse(in);
  }

  public XMLStreamReader stream(InputStream in) throws Exception {
    XMLInputFactory factory = XMLInputFactory.newInstance();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(
        XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, true); // ward-expect: java.xxe
    return factory.createXMLStreamReader(in);
  }
}
