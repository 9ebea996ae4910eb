import type { PostalAddress } from "../../spec/model/person.js";
import { keyOf, streetKeyOf, zip5Of } from "./person-normalize.js";

/** The match keys stored beside a voter so that matching and segments can use indexes. */
export interface VoterKeys {
  /** `nameMatchKey(givenName)`, or null. */
  givenKey: string | null;
  /** `nameMatchKey(familyName)`, or null. */
  familyKey: string | null;
  /** ZIP5 of the residential address, or null. */
  zip5: string | null;
  /** The street part of `addressMatchKey(residentialAddress)`, or null. */
  streetKey: string | null;
}

/**
 * Computes a voter's match keys from its names and residential address, the same keys people are stored with,
 * so a person and a voter compare key to key.
 */
export function voterKeys(voter: {
  givenName?: string | null;
  familyName?: string | null;
  residentialAddress?: PostalAddress | null;
}): VoterKeys {
  const address = voter.residentialAddress ?? null;
  return {
    givenKey: keyOf(voter.givenName),
    familyKey: keyOf(voter.familyName),
    zip5: address ? zip5Of(address) : null,
    streetKey: address ? streetKeyOf(address) : null,
  };
}
