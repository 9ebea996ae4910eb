/**
 * Turnout propensity scores and the "new and infrequent voters" universe.
 *
 * @module
 */
export { type NewAndInfrequentOptions, newAndInfrequentVoters } from "./new-and-infrequent.js";
export {
  computeTurnoutPropensity,
  type PropensityElection,
  type TurnoutPropensityOptions,
  type TurnoutPropensitySummary,
} from "./turnout-propensity.js";
