import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ParsedTemplate,
  parseTemplate,
  renderTemplate,
  type TemplatePart,
  templateSample,
} from "../../src/outreach/templates/index.js";
import { InvalidInputError, PrecinctError } from "../../src/spec/errors.js";

const KNOWN = [
  "givenName",
  "familyName",
  "fullName",
  "county",
  "precinct",
  "zip",
  "organization",
  "texterName",
];
const parse = (source: string, field = "template.body") =>
  parseTemplate(source, { knownFields: KNOWN, field });

/** Runs `fn`, expects an InvalidInputError about `template.body`, and returns it. */
function parseError(source: string, knownFields: readonly string[] = KNOWN): InvalidInputError {
  let thrown: unknown;
  try {
    parseTemplate(source, { knownFields, field: "template.body" });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidInputError);
  const error = thrown as InvalidInputError;
  expect(PrecinctError.hasCode(error, "invalid_input")).toBe(true);
  expect(error.field).toBe("template.body");
  expect(error.value).toBe(source);
  expect(error.message).toContain("Invalid template.body ");
  return error;
}

describe("parseTemplate", () => {
  it("splits text and fields, with offsets of each {{", () => {
    const template = parse("Hi {{givenName}}, it's {{texterName}} from {{organization}}.");
    expect(template.parts).toEqual<TemplatePart[]>([
      { text: "Hi " },
      { field: "givenName", fallback: null, offset: 3 },
      { text: ", it's " },
      { field: "texterName", fallback: null, offset: 23 },
      { text: " from " },
      { field: "organization", fallback: null, offset: 43 },
      { text: "." },
    ]);
    expect(template.fields).toEqual(["givenName", "texterName", "organization"]);
    expect(template.source).toBe("Hi {{givenName}}, it's {{texterName}} from {{organization}}.");
  });

  it("lists each field once, in order of first use", () => {
    expect(parse("{{zip}} {{givenName}} {{zip}} {{givenName|x}} {{county}}").fields).toEqual([
      "zip",
      "givenName",
      "county",
    ]);
  });

  it("reads fallbacks, empty fallbacks and spaces inside braces", () => {
    const template = parse(
      "{{givenName|friend}} {{ familyName | my friend }} {{county|}} {{ zip |  }} {{ precinct }}",
    );
    const fields = template.parts.filter((part) => "field" in part);
    expect(fields.map((part) => [part.field, part.fallback])).toEqual([
      ["givenName", "friend"],
      ["familyName", "my friend"],
      ["county", ""],
      ["zip", ""],
      ["precinct", null],
    ]);
  });

  it("keeps everything after the first | as the fallback, single braces included", () => {
    const template = parse("{{givenName|a|b}} {{county|{ok}}}");
    expect(template.parts).toEqual<TemplatePart[]>([
      { field: "givenName", fallback: "a|b", offset: 0 },
      { text: " " },
      { field: "county", fallback: "{ok", offset: 18 },
      { text: "}" },
    ]);
  });

  it("handles an empty template and a template without fields", () => {
    expect(parse("").parts).toEqual([]);
    expect(parse("").fields).toEqual([]);
    expect(parse("Polls are open 7am–7:30pm { bring ID }").parts).toEqual([
      { text: "Polls are open 7am–7:30pm { bring ID }" },
    ]);
  });

  it("returns an immutable template", () => {
    const template = parse("Hi {{givenName}}");
    expect(Object.isFrozen(template)).toBe(true);
    expect(Object.isFrozen(template.parts)).toBe(true);
    expect(Object.isFrozen(template.fields)).toBe(true);
    expect(Object.isFrozen(template.parts[1])).toBe(true);
  });

  describe("escapes", () => {
    it.each<[string, string]>([
      ["\\{{givenName}} is literal", "{{givenName" + "}} is literal"],
      ["literal \\{{ and \\}}", "literal {{ and }}"],
      ["a \\ b \\\\ c", "a \\ b \\\\ c"],
      ["ends with \\", "ends with \\"],
      ["\\{", "\\{"],
      ["\\{{ not a field", "{{ not a field"],
      ["\\{{givenName} and \\}}", "{{givenName} and }}"],
      ["\\{{a}} \\{{b}}", "{{a}} {{b}}"],
    ])("%j → text %j", (source, text) => {
      expect(parse(source).parts).toEqual([{ text }]);
    });

    it("pairs backslashes before braces, as Handlebars does", () => {
      expect(parse("\\\\{{givenName}}").parts).toEqual([
        { text: "\\" },
        { field: "givenName", fallback: null, offset: 2 },
      ]);
      expect(parse("\\\\\\{{givenName}}").parts).toEqual([{ text: "\\{{givenName}}" }]);
    });

    it("does not count an escaped {{ as a field, even with a known name", () => {
      const template = parse("Use \\{{givenName}} to insert {{givenName|a name}}");
      expect(template.fields).toEqual(["givenName"]);
      expect(renderTemplate(template, { givenName: "Ana" }).text).toBe("Use {{givenName}} to insert Ana");
    });
  });

  describe("unicode and lines", () => {
    it("keeps emoji, accents and other scripts in text, and counts offsets in UTF-16", () => {
      const source = "¡Hola {{givenName}}! 🗳️ Vota el 5 de nov. 投票 {{county}}";
      const template = parse(source);
      const fields = template.parts.filter((part) => "field" in part);
      for (const part of fields) expect(source.startsWith("{{", part.offset)).toBe(true);
      expect(renderTemplate(template, { givenName: "José", county: "Wake" }).text).toBe(
        "¡Hola José! 🗳️ Vota el 5 de nov. 投票 Wake",
      );
    });

    it("parses multi-line templates, keeping line breaks", () => {
      const source = "Hi {{givenName|there}},\n\nEarly voting starts Thursday.\r\n— {{texterName}}";
      const template = parse(source);
      expect(renderTemplate(template, { texterName: "Sam" }).text).toBe(
        "Hi there,\n\nEarly voting starts Thursday.\r\n— Sam",
      );
    });
  });

  describe("errors", () => {
    it("names an unknown field, its position and the closest known field", () => {
      const error = parseError("Hi {{firstName}}");
      expect(error.message).toContain(
        'Unknown merge field "firstName" at 1:4 in template.body; did you mean "givenName"?'.slice(1),
      );
      expect(error.details).toMatchObject({
        line: 1,
        column: 4,
        offset: 3,
        mergeField: "firstName",
        suggestion: "givenName",
      });
    });

    it.each<[string, string]>([
      ["{{givnName}}", "givenName"],
      ["{{givenname}}", "givenName"],
      ["{{given_name}}", "givenName"],
      ["{{lastName}}", "familyName"],
      ["{{surname}}", "familyName"],
      ["{{fmailyName}}", "familyName"],
      ["{{zipCode}}", "zip"],
      ["{{countyy}}", "county"],
      ["{{org}}", "organization"],
      ["{{texter}}", "texterName"],
    ])("suggests for %j: %j", (source, suggestion) => {
      expect(parseError(source).message).toContain(`did you mean "${suggestion}"?`);
    });

    it("lists the known fields when nothing is close", () => {
      const error = parseError("{{favoriteColor}}");
      expect(error.message).toContain(
        'unknown merge field "favoriteColor" at 1:1 in template.body; known fields:',
      );
      expect(error.message).toContain("givenName, familyName");
      expect(error.details.suggestion).toBeNull();
    });

    it("gives line and column on later lines, counting emoji as one character", () => {
      expect(parseError("Hi {{givenName}},\nSee you at {{pollingPlace}}").message).toContain(
        '"pollingPlace" at 2:12 in template.body',
      );
      expect(parseError("Line one\r\n🗳️🗳️ {{nope}}").message).toContain("at 2:6");
      expect(parseError("a\rb\r{{nope}}").message).toContain("at 3:1");
    });

    it("rejects empty fields", () => {
      expect(parseError("Hi {{}}").message).toContain('empty merge field "{{}}" at 1:4 in template.body');
      expect(parseError("Hi {{  }}").message).toContain("empty merge field");
      expect(parseError("Hi {{|friend}}").message).toContain("empty merge field");
    });

    it("rejects an unclosed {{", () => {
      expect(parseError("Hi {{ givenName").message).toContain(
        'unclosed merge field at 1:4 in template.body: "{{" has no "}}"',
      );
      expect(parseError("Hi {{givenName} and {{county}}").message).toContain("unclosed merge field at 1:4");
      expect(parseError("Hi {{givenName}").message).toContain("unclosed merge field at 1:4");
    });

    it("rejects a stray }}", () => {
      expect(parseError("Hi givenName}}").message).toContain('stray "}}" at 1:13 in template.body');
      expect(parseError("Hi {givenName}}").message).toContain('stray "}}" at 1:14');
      expect(parseError("{{givenName}}}}").message).toContain('stray "}}" at 1:14');
    });

    it("rejects malformed names and triple braces", () => {
      expect(parseError("{{given name}}").message).toContain(
        'invalid merge field name "given name" at 1:1 in template.body; did you mean "givenName"?',
      );
      expect(parseError("{{{givenName}}}").message).toContain(
        'triple braces at 1:1 in template.body are not supported; write "{{givenName}}"',
      );
    });

    it("uses 'template' when no field is given, and rejects bad arguments", () => {
      expect(() => parseTemplate("{{x}}", { knownFields: [] })).toThrow(
        /Invalid template .*known fields: none/,
      );
      expect(() => parseTemplate(42 as unknown as string, { knownFields: KNOWN })).toThrow(InvalidInputError);
      expect(() => parseTemplate("hi", { knownFields: "givenName" as unknown as string[] })).toThrow(
        /Invalid knownFields/,
      );
    });

    it("accepts dotted names when they are known", () => {
      const template = parseTemplate("Team: {{customFields.team|none}}", {
        knownFields: ["customFields.team"],
      });
      expect(renderTemplate(template, { "customFields.team": "Blue" }).text).toBe("Team: Blue");
    });
  });
});

describe("renderTemplate", () => {
  const template = parse("Hi {{givenName|friend}}, it's {{texterName}} with {{organization}}.{{county|}}");

  it("inserts values and reports nothing missing", () => {
    expect(
      renderTemplate(template, {
        givenName: "Ana",
        texterName: "Sam",
        organization: "Durham Votes",
        county: "",
      }),
    ).toEqual({ text: "Hi Ana, it's Sam with Durham Votes.", missing: [] });
  });

  it("uses fallbacks for null, undefined, absent and blank values", () => {
    for (const givenName of [null, undefined, "", "   "]) {
      expect(renderTemplate(template, { givenName, texterName: "Sam", organization: "Org" }).text).toBe(
        "Hi friend, it's Sam with Org.",
      );
    }
  });

  it("reports fields without value or fallback, once each, in order", () => {
    const repeated = parse("{{texterName}} {{givenName}} {{texterName}} {{county|x}}");
    expect(renderTemplate(repeated, {})).toEqual({ text: "   x", missing: ["texterName", "givenName"] });
    expect(renderTemplate(template, { texterName: "Sam" }).missing).toEqual(["organization"]);
  });

  it("an empty fallback is a fallback, not a missing value", () => {
    expect(renderTemplate(parse("A{{county|}}B"), {})).toEqual({ text: "AB", missing: [] });
  });

  it("inserts values verbatim by default: SMS is plain text", () => {
    const result = renderTemplate(parse("Hi {{givenName}}"), { givenName: `<b>O'Neil & "Co"</b>  ` });
    expect(result.text).toBe(`Hi <b>O'Neil & "Co"</b>  `);
  });

  it("escapes values, not the template's own text or fallbacks, for HTML", () => {
    const html = parse('<p class="x">Hi {{givenName|<friend>}} & welcome, {{familyName}}</p>');
    expect(
      renderTemplate(html, { familyName: `<script>"O'Neil" & co</script>` }, { escape: "html" }).text,
    ).toBe(
      '<p class="x">Hi <friend> & welcome, &lt;script&gt;&quot;O&#39;Neil&quot; &amp; co&lt;/script&gt;</p>',
    );
  });

  it("does not read inherited properties as values", () => {
    const odd = parseTemplate("{{constructor|none}} {{toString}}", {
      knownFields: ["constructor", "toString"],
    });
    expect(renderTemplate(odd, {})).toEqual({ text: "none ", missing: ["toString"] });
  });

  it("writes numbers from plain-JavaScript callers", () => {
    const values = { zip: 27701 } as unknown as Record<string, string>;
    expect(renderTemplate(parse("ZIP {{zip}}"), values).text).toBe("ZIP 27701");
  });

  it("never leaves {{ or }} when every value is present (property)", () => {
    // Text with single braces, pipes and backslashes, but never "{{", "}}" or a backslash before a field.
    const text = fc
      .string({ unit: fc.constantFrom("a", "Z", " ", "\n", "é", "🗳️", "{", "}", "|", ".", "\\", "x") })
      .map((s) => s.replace(/[{}]/g, " $& ").replace(/\\$/, "\\ "));
    const field = fc.record({
      name: fc.constantFrom(...KNOWN),
      fallback: fc.option(fc.string({ unit: fc.constantFrom("a", " ", "é", "|", "-") }), { nil: null }),
      spaces: fc.boolean(),
    });
    const value = fc
      .string({ unit: fc.constantFrom("a", "B", " ", "ñ", "😀", "'", "&", "|", "\\") })
      .filter((s) => s.trim() !== "");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, field), { maxLength: 6 }),
        text,
        fc.dictionary(fc.constantFrom(...KNOWN), value),
        (pieces, tail, partial) => {
          let source = "";
          for (const [before, f] of pieces) {
            const pad = f.spaces ? " " : "";
            const fallback = f.fallback === null ? "" : `|${f.fallback}`;
            source += `${before}{{${pad}${f.name}${pad}${fallback}}}`;
          }
          source += tail;
          const template: ParsedTemplate = parseTemplate(source, { knownFields: KNOWN });
          const values = Object.fromEntries(KNOWN.map((name) => [name, partial[name] ?? `v-${name}`]));
          const rendered = renderTemplate(template, values);
          const expected = pieces.map(([before, f]) => before + values[f.name]).join("") + tail;
          expect(rendered.text).toBe(expected);
          expect(rendered.missing).toEqual([]);
          expect(rendered.text).not.toMatch(/\{\{|\}\}/);
          expect(templateSample(template, values)).toBe(rendered.text);
        },
      ),
      { numRuns: 300, seed: 20250411 },
    );
  });
});

describe("templateSample", () => {
  const template = parse("Hi {{givenName|friend}}, it's {{texterName}} ({{county}})");

  it("shows [field] for absent values and the value for given ones", () => {
    expect(templateSample(template)).toBe("Hi [givenName], it's [texterName] ([county])");
    expect(templateSample(template, { texterName: "Sam", county: "  " })).toBe(
      "Hi [givenName], it's Sam ([county])",
    );
  });
});
