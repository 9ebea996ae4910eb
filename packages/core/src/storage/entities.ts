import type { z } from "zod";
import * as model from "../spec/model/index.js";
import type { EntitySpec } from "./repositories/entity-repository.js";

// The plain entities: one table each, stored and read by the generic repository.
const spec = <S extends z.ZodObject>(s: EntitySpec<S>) => s;

/** @internal Specs of the plain entities, by the property name they have on a `Precinct` client. */
export const entitySpecs = {
  households: spec({ entity: "Household", table: "household", schema: model.Household, json: ["address"] }),
  lists: spec({ entity: "List", table: "list", schema: model.List, json: [] }),
  segments: spec({ entity: "Segment", table: "segment", schema: model.Segment, json: ["filter"] }),
  campaigns: spec({
    entity: "Campaign",
    table: "campaign",
    schema: model.Campaign,
    json: ["audience", "template", "schedule", "policy", "script"],
  }),
  conversations: spec({
    entity: "Conversation",
    table: "conversation",
    schema: model.Conversation,
    json: ["tags"],
    references: { personId: "person", campaignId: "campaign", assigneeId: "person" },
  }),
  messages: spec({
    entity: "Message",
    table: "message",
    schema: model.Message,
    json: [],
    references: { personId: "person", campaignId: "campaign", conversationId: "conversation" },
  }),
  calls: spec({
    entity: "Call",
    table: "call",
    schema: model.Call,
    json: [],
    references: { personId: "person", campaignId: "campaign", volunteerId: "person" },
  }),
  surveyQuestions: spec({
    entity: "SurveyQuestion",
    table: "surveyQuestion",
    schema: model.SurveyQuestion,
    json: ["responses"],
    references: { campaignId: "campaign" },
  }),
  surveyResponses: spec({
    entity: "SurveyResponse",
    table: "surveyResponse",
    schema: model.SurveyResponse,
    json: [],
    references: { questionId: "surveyQuestion", personId: "person", interactionId: "interaction" },
  }),
  interactions: spec({
    entity: "Interaction",
    table: "interaction",
    schema: model.Interaction,
    json: [],
    references: { personId: "person", volunteerId: "person", campaignId: "campaign" },
  }),
  petitions: spec({ entity: "Petition", table: "petition", schema: model.Petition, json: ["identifiers"] }),
  signatures: spec({
    entity: "Signature",
    table: "signature",
    schema: model.Signature,
    json: ["identifiers"],
    references: { petitionId: "petition", personId: "person" },
  }),
  events: spec({ entity: "Event", table: "event", schema: model.Event, json: ["location", "identifiers"] }),
  attendances: spec({
    entity: "Attendance",
    table: "attendance",
    schema: model.Attendance,
    json: ["identifiers"],
    references: { eventId: "event", personId: "person" },
  }),
  donations: spec({
    entity: "Donation",
    table: "donation",
    schema: model.Donation,
    json: ["identifiers"],
    references: { personId: "person" },
  }),
  volunteers: spec({
    entity: "VolunteerRole",
    table: "volunteerRole",
    schema: model.VolunteerRole,
    json: ["turf", "skills", "customFields"],
    references: { personId: "person" },
  }),
  tags: spec({ entity: "Tag", table: "tag", schema: model.Tag, json: [] }),
} as const;
