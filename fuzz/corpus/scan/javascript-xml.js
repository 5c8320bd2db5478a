  // Parsing uploaded XML with libxmljs.
    const libxmljs = require('libxmljs');

function parseUpload(buffer) {
  const safe = libxmljs.parseXml(buffer.toString());
  const strict = libxmljs.parseXml(buffer.toString(), {noblanks: true});
  const expanded = libxmljs.parseXml(
      buffer.toString(), {noent: true, noblanks: true});  // ward-expect: javascript.xxe
  return [safe, strict, expanded];
}

module.exports = {parseUpload};
