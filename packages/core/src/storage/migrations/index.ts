import { initial } from "./0001-initial.js";
import { voterFiles } from "./0002-voter-files.js";
import { outreach } from "./0003-outreach.js";
import { phonebank } from "./0004-phonebank.js";
import { email } from "./0005-email.js";
import { parkedStatuses } from "./0006-parked-statuses.js";
import type { Migration } from "./types.js";

export type { Migration } from "./types.js";

/** Every migration, in order. Append only. */
export const migrations: readonly Migration[] = [
  initial,
  voterFiles,
  outreach,
  phonebank,
  email,
  parkedStatuses,
];
