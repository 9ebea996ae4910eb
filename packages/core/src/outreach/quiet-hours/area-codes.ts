/**
 * Where a US phone number's area code is: its state and time zone. Used for quiet hours when a
 * recipient has no usable address (a cell phone may have moved with its owner; an address wins).
 *
 * The table lists every geographic area code in service in the 50 states, DC and the inhabited
 * territories, checked against the numbering metadata of libphonenumber (2026) and NANPA's
 * assignments. A code that is missing (a new overlay, once it goes live) resolves to no location, and
 * the engine then applies the strictest rule of all states: a gap costs sending time, never compliance.
 *
 * Time zones are the principal zone of each US time zone (`America/New_York`, `America/Chicago`,
 * `America/Denver`, `America/Phoenix`, `America/Los_Angeles`, ...). Sub-zones such as `America/Boise`,
 * `America/Detroit` or `America/Indiana/Indianapolis` have had the same rules since 2007, so nothing is
 * lost. Where an area code spans two zones, the table gives the zone of most of its people, noted below.
 *
 * @module
 */

import type { UsStateCode } from "../../normalize/us-states.js";
import { InvalidInputError } from "../../spec/errors.js";

/** Where an area code is. */
export interface AreaCodeLocation {
  /** The two-letter USPS code of the state, DC or territory. */
  readonly state: UsStateCode;
  /** The IANA time zone of (most of) the area. */
  readonly timeZone: string;
}

const EASTERN = "America/New_York";
const CENTRAL = "America/Chicago";
const MOUNTAIN = "America/Denver";
const ARIZONA = "America/Phoenix";
const PACIFIC = "America/Los_Angeles";

/**
 * `[state, zone, area codes]`. A state whose codes lie in different zones has one row per zone.
 * @internal The source of {@link AREA_CODE_LOCATIONS}, exported for its tests.
 *
 * Area codes that span two zones (the zone given is the one most of the area's people live in):
 * - AK 907: Alaska time; the Aleutians west of 169°30′W keep Hawaii–Aleutian time.
 * - AZ 928: Arizona time; the Navajo Nation in it observes daylight saving (Mountain).
 * - FL 850/448: Central (Pensacola, Panama City); Tallahassee and the Big Bend are Eastern.
 * - ID 208/986: Mountain (Boise); the northern panhandle (Coeur d'Alene, Lewiston) is Pacific.
 * - IN 219: Central (Gary, Hammond); 812/930: Eastern, except Evansville and the southwest (Central).
 * - KS 785, 620: Central; four western counties on the Colorado line are Mountain.
 * - KY 270/364: Central (Bowling Green, Paducah, Owensboro); Elizabethtown and its area are Eastern.
 * - MI 906: Eastern; the four counties on the Wisconsin line (Gogebic, Iron, Dickinson, Menominee) are
 *   Central, about a quarter of the Upper Peninsula's people.
 * - NE 308: Central (Grand Island, Kearney, North Platte); the panhandle (Scottsbluff) is Mountain.
 * - NV 775: Pacific; West Wendover and Jackpot are Mountain.
 * - ND 701, SD 605: Central; the southwest of each (Dickinson; Rapid City, West River) is Mountain.
 * - OR 541/458: Pacific; most of Malheur County (Ontario) is Mountain.
 * - TN 423: Eastern (Chattanooga, Tri-Cities); Bledsoe, Sequatchie, Marion and Grundy are Central.
 * - TX 915: Mountain (El Paso, Hudspeth); 432: Central, Culberson County is Mountain.
 */
export const AREA_CODE_ROWS: readonly (readonly [UsStateCode, string, string])[] = [
  ["AL", CENTRAL, "205 251 256 334 659 938"],
  ["AK", "America/Anchorage", "907"],
  ["AZ", ARIZONA, "480 520 602 623 928"],
  ["AR", CENTRAL, "327 479 501 870"],
  [
    "CA",
    PACIFIC,
    "209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 " +
      "738 747 760 805 818 820 831 840 858 909 916 925 949 951",
  ],
  ["CO", MOUNTAIN, "303 719 720 748 970 983"],
  ["CT", EASTERN, "203 475 860 959"],
  ["DE", EASTERN, "302"],
  ["DC", EASTERN, "202 771"],
  ["FL", EASTERN, "239 305 321 324 352 386 407 561 645 656 689 727 728 754 772 786 813 863 904 941 954"],
  ["FL", CENTRAL, "448 850"],
  ["GA", EASTERN, "229 404 470 478 678 706 762 770 912 943"],
  ["HI", "Pacific/Honolulu", "808"],
  ["ID", MOUNTAIN, "208 986"],
  ["IL", CENTRAL, "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872"],
  ["IN", EASTERN, "260 317 463 574 765 812 930"],
  ["IN", CENTRAL, "219"],
  ["IA", CENTRAL, "319 515 563 641 712"],
  ["KS", CENTRAL, "316 620 785 913"],
  ["KY", EASTERN, "502 606 859"],
  ["KY", CENTRAL, "270 364"],
  ["LA", CENTRAL, "225 318 337 504 985"],
  ["ME", EASTERN, "207"],
  ["MD", EASTERN, "227 240 301 410 443 667"],
  ["MA", EASTERN, "339 351 413 508 617 774 781 857 978"],
  ["MI", EASTERN, "231 248 269 313 517 586 616 734 810 906 947 989"],
  ["MN", CENTRAL, "218 320 507 612 651 763 952"],
  ["MS", CENTRAL, "228 601 662 769"],
  ["MO", CENTRAL, "235 314 417 557 573 636 660 816 975"],
  ["MT", MOUNTAIN, "406"],
  ["NE", CENTRAL, "308 402 531"],
  ["NV", PACIFIC, "702 725 775"],
  ["NH", EASTERN, "603"],
  ["NJ", EASTERN, "201 551 609 640 732 848 856 862 908 973"],
  ["NM", MOUNTAIN, "505 575"],
  ["NY", EASTERN, "212 315 329 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934"],
  ["NC", EASTERN, "252 336 472 704 743 828 910 919 980 984"],
  ["ND", CENTRAL, "701"],
  ["OH", EASTERN, "216 220 234 283 326 330 380 419 440 513 567 614 740 937"],
  ["OK", CENTRAL, "405 539 572 580 918"],
  ["OR", PACIFIC, "458 503 541 971"],
  ["PA", EASTERN, "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878"],
  ["RI", EASTERN, "401"],
  ["SC", EASTERN, "803 821 839 843 854 864"],
  ["SD", CENTRAL, "605"],
  ["TN", EASTERN, "423 865"],
  ["TN", CENTRAL, "615 629 731 901 931"],
  [
    "TX",
    CENTRAL,
    "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979",
  ],
  ["TX", MOUNTAIN, "915"],
  ["UT", MOUNTAIN, "385 435 801"],
  ["VT", EASTERN, "802"],
  ["VA", EASTERN, "276 434 540 571 686 703 757 804 826 948"],
  ["WA", PACIFIC, "206 253 360 425 509 564"],
  ["WV", EASTERN, "304 681"],
  ["WI", CENTRAL, "262 274 353 414 534 608 715 920"],
  ["WY", MOUNTAIN, "307"],
  // Territories: federal quiet hours apply; none has a stricter rule of its own here.
  ["PR", "America/Puerto_Rico", "787 939"],
  ["VI", "America/St_Thomas", "340"],
  ["GU", "Pacific/Guam", "671"],
  ["MP", "Pacific/Saipan", "670"],
  ["AS", "Pacific/Pago_Pago", "684"],
];

/** @internal Builds the lookup table from rows; throws on a code listed twice. */
export function buildAreaCodeTable(
  rows: readonly (readonly [UsStateCode, string, string])[],
): ReadonlyMap<string, AreaCodeLocation> {
  const table = new Map<string, AreaCodeLocation>();
  for (const [state, timeZone, codes] of rows) {
    for (const code of codes.split(" ")) {
      // A code listed twice would silently take the last row's zone; fail loudly at load instead.
      if (table.has(code)) throw new Error(`Area code ${code} is listed twice in the quiet-hours table`);
      table.set(code, Object.freeze({ state, timeZone }));
    }
  }
  return table;
}

/**
 * Every geographic US area code (50 states, DC, territories) with its state and time zone. Toll-free
 * (800, 833, 844, 855, 866, 877, 888), premium (900), personal (5XX) and other non-geographic codes are
 * absent on purpose: they say nothing about where the recipient is.
 */
export const AREA_CODE_LOCATIONS: ReadonlyMap<string, AreaCodeLocation> = buildAreaCodeTable(AREA_CODE_ROWS);

/**
 * The state and time zone of a US area code.
 *
 * @param npa - The three-digit area code (NANP "NPA"), e.g. `"919"`.
 * @returns The location, or `undefined` for non-geographic codes (800, 888, 5XX, 900, ...), Canadian and
 *   Caribbean codes, and codes not (yet) in service.
 * @throws {@link InvalidInputError} when `npa` is not three digits.
 * @example
 * ```ts
 * areaCodeLocation("850"); // { state: "FL", timeZone: "America/Chicago" }
 * areaCodeLocation("800"); // undefined
 * ```
 */
export function areaCodeLocation(npa: string): AreaCodeLocation | undefined {
  if (typeof npa !== "string" || !/^\d{3}$/u.test(npa)) {
    throw new InvalidInputError({ field: "npa", value: npa, reason: "is not a three-digit area code" });
  }
  return AREA_CODE_LOCATIONS.get(npa);
}
