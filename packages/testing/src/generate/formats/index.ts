/**
 * The formats the generator writes, by layout id.
 *
 * @module
 */

import { caVphFormat, caVrdFormat } from "./ca.js";
import type { VoterFileFormat, VoterFileLayoutId } from "./format.js";
import { mappedFormat } from "./mapped.js";
import { ncHistoryFormat, ncVoterFormat } from "./nc.js";
import { ohSwvfFormat } from "./oh.js";
import { waVrdbFormat } from "./wa.js";

/** @internal Every format, by layout id. */
export const VOTER_FILE_FORMATS: Readonly<Record<VoterFileLayoutId, VoterFileFormat>> = {
  "nc-voter": ncVoterFormat,
  "nc-history": ncHistoryFormat,
  "oh-swvf": ohSwvfFormat,
  "wa-vrdb": waVrdbFormat,
  "ca-vrd": caVrdFormat,
  "ca-vph": caVphFormat,
  mapped: mappedFormat,
};

/** The layouts the generator writes. */
export const VOTER_FILE_LAYOUTS = Object.keys(VOTER_FILE_FORMATS) as VoterFileLayoutId[];
