// Writes the General_Category of every code point in the format of the Unicode Character
// Database's extracted/DerivedGeneralCategory.txt ("0041..005A ; Lu"), from the npm package
// @unicode/unicode-<version> (MIT), for gen_unicode_tables.py --derived-general-category. Use it
// when the UCD file itself cannot be downloaded; with the UCD file at hand, this is not needed.
//
//   mkdir /tmp/ucd && (cd /tmp/ucd && npm install --ignore-scripts @unicode/unicode-15.1.0@2.0.7)
//   cp tools/unicode/export_general_category.mjs /tmp/ucd/
//   node /tmp/ucd/export_general_category.mjs 15.1.0 > /tmp/DerivedGeneralCategory-15.1.0.txt
const version = process.argv[2] ?? "15.1.0";
const names = {
  Lu: "Uppercase_Letter", Ll: "Lowercase_Letter", Lt: "Titlecase_Letter", Lm: "Modifier_Letter",
  Lo: "Other_Letter", Mn: "Nonspacing_Mark", Mc: "Spacing_Mark", Me: "Enclosing_Mark",
  Nd: "Decimal_Number", Nl: "Letter_Number", No: "Other_Number", Pc: "Connector_Punctuation",
  Pd: "Dash_Punctuation", Ps: "Open_Punctuation", Pe: "Close_Punctuation",
  Pi: "Initial_Punctuation", Pf: "Final_Punctuation", Po: "Other_Punctuation",
  Sm: "Math_Symbol", Sc: "Currency_Symbol", Sk: "Modifier_Symbol", So: "Other_Symbol",
  Zs: "Space_Separator", Zl: "Line_Separator", Zp: "Paragraph_Separator", Cc: "Control",
  Cf: "Format", Cs: "Surrogate", Co: "Private_Use", Cn: "Unassigned",
};
const hex = (cp) => cp.toString(16).toUpperCase().padStart(4, "0");
const lines = [];
for (const [short, name] of Object.entries(names)) {
  const ranges = (await import(`@unicode/unicode-${version}/General_Category/${name}/ranges.mjs`))
      .default;
  for (const r of ranges) {
    const last = r.end - 1;
    lines.push([r.begin, `${hex(r.begin)}${last > r.begin ? ".." + hex(last) : ""} ; ${short}`]);
  }
}
lines.sort((a, b) => a[0] - b[0]);
console.log(`# DerivedGeneralCategory-${version}.txt (from @unicode/unicode-${version})`);
for (const [, line] of lines) console.log(line);
