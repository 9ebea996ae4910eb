/**
 * Message templates: text with merge fields (`Hi {{givenName|friend}}!`), parsed strictly once and rendered
 * for each recipient.
 *
 * @module
 */
export {
  type ParsedTemplate,
  type ParseTemplateOptions,
  parseTemplate,
  type TemplateFieldPart,
  type TemplatePart,
  type TemplateTextPart,
} from "./parse-template.js";
export {
  type RenderedTemplate,
  type RenderTemplateOptions,
  renderTemplate,
  type TemplateValues,
  templateSample,
} from "./render-template.js";
