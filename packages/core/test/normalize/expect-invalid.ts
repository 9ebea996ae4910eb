import { expect } from "vitest";
import { InvalidInputError, PrecinctError } from "../../src/spec/errors.js";

/** Runs `fn`, expects an `InvalidInputError` for `field` carrying `value`, and returns it for more checks. */
export function expectInvalid(fn: () => unknown, field: string, value: unknown): InvalidInputError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidInputError);
  const error = thrown as InvalidInputError;
  expect(PrecinctError.hasCode(error, "invalid_input")).toBe(true);
  expect(error.code).toBe("invalid_input");
  expect(error.field).toBe(field);
  expect(error.value).toEqual(value);
  expect(error.message).toContain(`Invalid ${field} `);
  return error;
}
