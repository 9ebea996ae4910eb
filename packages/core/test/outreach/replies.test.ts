import { describe, expect, it } from "vitest";
import {
  classifyReply,
  HELP_KEYWORDS,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
  type ReplyIntent,
} from "../../src/outreach/replies/index.js";
import { OPT_OUT_PATTERNS } from "../../src/outreach/replies/phrases.js";
import { InvalidInputError } from "../../src/spec/errors.js";

describe("keyword lists", () => {
  it("hold the carrier and Twilio keywords", () => {
    expect([...OPT_OUT_KEYWORDS].sort()).toEqual(
      ["CANCEL", "END", "OPTOUT", "QUIT", "REVOKE", "STOP", "STOPALL", "UNSUBSCRIBE"].sort(),
    );
    expect([...OPT_IN_KEYWORDS].sort()).toEqual(["START", "UNSTOP", "YES"]);
    expect([...HELP_KEYWORDS].sort()).toEqual(["HELP", "INFO"]);
  });
});

describe("classifyReply: standard keywords", () => {
  // [body, keyword, providerKeyword]: the provider answers only a message that is the keyword alone.
  it.each<[string, string, boolean]>([
    ["STOP", "STOP", true],
    ["stop", "STOP", true],
    ["Stop", "STOP", true],
    ["  STOP  ", "STOP", true],
    ["Stop.", "STOP", true],
    ["STOP!!", "STOP", true],
    ["STOP 🛑", "STOP", true],
    ["stop\n", "STOP", true],
    ["“STOP”", "STOP", true],
    ["STOPALL", "STOPALL", true],
    ["Unsubscribe", "UNSUBSCRIBE", true],
    ["cancel", "CANCEL", true],
    ["END", "END", true],
    ["End.", "END", true],
    ["quit", "QUIT", true],
    ["Quit!", "QUIT", true],
    ["REVOKE", "REVOKE", true],
    ["optout", "OPTOUT", true],
    ["ＳＴＯＰ", "STOP", true],
    ["stop please", "STOP", false],
    ["STOP PLEASE", "STOP", false],
    ["Please stop", "STOP", false],
    ["pls stop", "STOP", false],
    ["Stop, please!", "STOP", false],
    ["stop it", "STOP", false],
    ["Stop it now", "STOP", false],
    ["stop now thanks", "STOP", false],
    ["Stop thank you", "STOP", false],
    ["ok stop", "STOP", false],
    ["no stop", "STOP", false],
    ["No. Stop.", "STOP", false],
    ["just stop", "STOP", false],
    ["I said stop", "STOP", false],
    ["STOP STOP STOP", "STOP", false],
    ["stop all", "STOP", false],
    ["Stop 🛑🛑 now!!!", "STOP", false],
    ["PLEASE CANCEL", "CANCEL", false],
    ["Unsubscribe me", "UNSUBSCRIBE", false],
    ["Unsubscribe me please", "UNSUBSCRIBE", false],
    ["I revoke", "REVOKE", false],
    ["quit it", "QUIT", false],
    ["end this", "END", false],
    ["Stop, seriously.", "STOP", false],
  ])("%j → opt_out keyword %s (provider answers: %s)", (body, keyword, providerKeyword) => {
    expect(classifyReply(body)).toEqual({
      intent: "opt_out",
      keyword,
      providerKeyword,
      matchedPhrase: null,
      wrongNumber: false,
    });
  });

  it.each<[string, ReplyIntent, string]>([
    ["START", "opt_in", "START"],
    ["start", "opt_in", "START"],
    ["Start.", "opt_in", "START"],
    ["UNSTOP", "opt_in", "UNSTOP"],
    ["unstop", "opt_in", "UNSTOP"],
    ["YES", "opt_in", "YES"],
    ["Yes", "opt_in", "YES"],
    ["yes!", "opt_in", "YES"],
    ["Yes 👍", "opt_in", "YES"],
    ["HELP", "help", "HELP"],
    ["help?", "help", "HELP"],
    ["Help!", "help", "HELP"],
    ["INFO", "help", "INFO"],
    ["info", "help", "INFO"],
  ])("%j → %s keyword %s, answered by the provider", (body, intent, keyword) => {
    expect(classifyReply(body)).toEqual({
      intent,
      keyword,
      providerKeyword: true,
      matchedPhrase: null,
      wrongNumber: false,
    });
  });

  it("treats an opt-out beside an opt-in or help word as an opt-out (compliance first)", () => {
    expect(classifyReply("HELP STOP")).toMatchObject({ intent: "opt_out", keyword: "STOP" });
    expect(classifyReply("Yes. Stop.")).toMatchObject({ intent: "opt_out", keyword: "STOP" });
    expect(classifyReply("Start? No, stop texting me")).toMatchObject({ intent: "opt_out", keyword: null });
  });
});

describe("classifyReply: plain-language opt-outs", () => {
  // [body, matchedPhrase]: the words as written (lower case, no accents or punctuation).
  it.each<[string, string]>([
    ["Stop texting me", "stop texting"],
    ["stop texting me!!", "stop texting"],
    ["STOP TEXTING ME", "stop texting"],
    ["please stop messaging me", "stop messaging"],
    ["Stop contacting me.", "stop contacting"],
    ["stop txting me pls", "stop txting"],
    ["Stop sending me these", "stop sending"],
    ["Take me off your list", "take me off your list"],
    ["take me off ur list!!", "take me off ur list"],
    ["Take me off", "take me off"],
    ["Please take me off the list, thanks", "take me off the list"],
    ["Remove me", "remove me"],
    ["remove me from this list", "remove me"],
    ["Remove me from your list please 🙏", "remove me"],
    ["remove my number", "remove my number"],
    ["Opt me out", "opt me out"],
    ["opt out", "opt out"],
    ["Opt-out", "opt out"],
    ["OPT OUT", "opt out"],
    ["I want to opt out", "want to opt out"],
    ["Don't contact me", "dont contact me"],
    ["don’t text me", "dont text me"],
    ["Do not text me", "do not text me"],
    ["DO NOT CONTACT ME AGAIN", "do not contact me"],
    ["dont msg me", "dont msg me"],
    ["Please do not message this number", "do not message this number"],
    ["Never text me again", "never text me"],
    ["No more texts", "no more texts"],
    ["no more messages pls", "no more messages"],
    ["Leave me alone", "leave me alone"],
    ["Lose my number", "lose my number"],
    ["Delete my number", "delete my number"],
    ["Who is this? Stop", "stop"],
    ["Not interested, stop", "stop"],
    ["not interested stop", "not interested stop"],
    ["STOP who is this", "stop who is this"],
    ["Stop. Who is this?", "stop"],
    ["Stop!! I already voted", "stop"],
    ["How did you get my number? Stop.", "stop"],
    ["I never signed up for this. Remove me.", "never signed up"],
    ["How do I unsubscribe?", "unsubscribe"],
    ["unsub", "unsub"],
    ["Unsubscribed", "unsubscribed"],
    ["i dont want these texts", "dont want these texts"],
    ["I do not wish to receive any more messages", "do not wish to receive any more messages"],
    ["I don't want to be contacted", "dont want to be contacted"],
    ["Please stop all these texts", "stop all these texts"],
    ["STOP SPAMMING ME", "stop spamming"],
    ["This is harassment", "harassment"],
    ["go away", "go away"],
    ["Stopp", "stopp"],
    ["stooooop", "stooooop"],
    ["Stahp", "stahp"],
    ["Remove", "remove"],
    ["quit texting me", "quit texting"],
    ["Enough with the texts already", "enough with the texts"],
    ["Cancel my subscription", "cancel my subscription"],
    ["I'd like to unsubscribe", "like to unsubscribe"],
    ["i want to stop receiving these", "want to stop receiving these"],
    ["How do I stop these texts", "how do i stop these texts"],
    ["I revoke my consent to be texted", "revoke my consent"],
    ["Please put me on your do not text list", "do not text list"],
    ["Lol I'm blocking you", "blocking you"],
    ["Stop, I have asked before", "stop"],
    ["Hi, I'm not sure who this is, please stop texting me. Thanks", "stop texting"],
    ["Stop the texts please", "stop the texts"],
    ["Get me off this thread", "get me off"],
    ["Please remove", "please remove"],
    ["Please remove my info from your database", "remove my info from your database"],
    ["Stop texting me about this, I've already voted", "stop texting"],
    ["STOP!!! Who gave you this number", "stop"],
  ])("%j → opt_out (%j)", (body, matchedPhrase) => {
    expect(classifyReply(body)).toEqual({
      intent: "opt_out",
      keyword: null,
      providerKeyword: false,
      matchedPhrase,
      wrongNumber: false,
    });
  });

  it.each<[string, string]>([
    ["Para", "para"],
    ["Para.", "para"],
    ["PARA POR FAVOR", "para por favor"],
    ["Alto", "alto"],
    ["Basta ya", "basta ya"],
    ["Cancelar", "cancelar"],
    ["Baja", "baja"],
    ["No me envíe más mensajes", "no me envie"],
    ["no me envíes más mensajes", "no me envies"],
    ["No me mandes mensajes", "no me mandes"],
    ["Bájame de la lista", "bajame de la lista"],
    ["Sácame de tu lista por favor", "sacame de tu lista"],
    ["Quítenme de su lista", "quitenme de su lista"],
    ["Dame de baja", "de baja"],
    ["Deja de escribirme", "deja de escribirme"],
    ["Ya no quiero recibir mensajes", "no quiero recibir mensajes"],
    ["No más mensajes", "no mas mensajes"],
    ["Déjame en paz", "dejame en paz"],
    ["No me llames", "no me llames"],
    ["alto!", "alto"],
  ])("Spanish: %j → opt_out (%j)", (body, matchedPhrase) => {
    expect(classifyReply(body)).toMatchObject({ intent: "opt_out", keyword: null, matchedPhrase });
  });

  describe("every curated pattern catches its own examples", () => {
    for (const entry of OPT_OUT_PATTERNS) {
      it.each(entry.examples.map((example) => [example]))(`${entry.description}: %j`, (example) => {
        const result = classifyReply(example);
        expect(result.intent).toBe("opt_out");
        expect(result.wrongNumber).toBe(entry.wrongNumber === true);
      });
    }
  });
});

describe("classifyReply: wrong numbers", () => {
  it.each<[string, string]>([
    ["Wrong number", "wrong number"],
    ["wrong #", "wrong number"],
    ["WRONG NUMBER!!!", "wrong number"],
    ["Sorry, wrong number", "wrong number"],
    ["Wrong number, stop", "wrong number"],
    ["wrong number stop texting me", "wrong number"],
    ["You have the wrong person", "wrong person"],
    ["you've got the wrong number", "wrong number"],
    ["No one here by that name", "no one here by that name"],
    ["This isn't Maria's number", "isnt marias number"],
    ["I'm not the right person, sorry", "not the right person"],
    ["Número equivocado", "numero equivocado"],
    ["Lo siento, número equivocado", "numero equivocado"],
  ])("%j → opt_out with wrongNumber", (body, matchedPhrase) => {
    expect(classifyReply(body)).toEqual({
      intent: "opt_out",
      keyword: null,
      providerKeyword: false,
      matchedPhrase,
      wrongNumber: true,
    });
  });

  it("flags the wrong number even when another phrase comes first", () => {
    expect(classifyReply("Stop texting me, wrong number")).toEqual({
      intent: "opt_out",
      keyword: null,
      providerKeyword: false,
      matchedPhrase: "stop texting",
      wrongNumber: true,
    });
  });

  it("does not flag a negated wrong number", () => {
    expect(classifyReply("This is not the wrong number, I'm her son")).toMatchObject({
      intent: "reply",
      wrongNumber: false,
    });
  });
});

describe("classifyReply: ordinary replies stay replies", () => {
  it.each<[string]>([
    ["No"],
    ["no."],
    ["Nope"],
    ["1"],
    ["2"],
    ["A"],
    ["Maybe later"],
    ["Maybe"],
    ["Yes please"],
    ["Yes, I'll be there"],
    ["yes I will vote"],
    ["Sure!"],
    ["Thanks!"],
    ["Thank you"],
    ["👍"],
    [""],
    ["   "],
    ["Who is this?"],
    ["Where is my polling place?"],
    ["What time does the rally start?"],
    ["When do polls close?"],
    ["Can you help me find my precinct?"],
    ["help me register please"],
    ["I quit my job, but I'll vote!"],
    ["See you at the end of the street"],
    ["Stop by the office?"],
    ["Stop by anytime"],
    ["I'll stop by after work"],
    ["Stop the war"],
    ["Stop Project 2025!"],
    ["We have to stop the cuts to Medicaid"],
    ["Cancel my RSVP for Saturday please"],
    ["Can I cancel my ride to the polls?"],
    ["The event was cancelled?"],
    ["At the end of the day I support her"],
    ["End citizens united"],
    ["I quit smoking last year lol"],
    ["Don't stop texting me"],
    ["don't stop!"],
    ["Please don't stop, I love these updates"],
    ["I don't want you to stop texting me"],
    ["Never stop fighting!"],
    ["Don't remove me, I want updates"],
    ["Please don't unsubscribe me"],
    ["I would never opt out"],
    ["No need to remove me"],
    ["Why would I unsubscribe? Keep them coming"],
    ["Not interested"],
    ["No thanks"],
    ["I don't like your candidate's message on taxes"],
    ["Para mí, sí"],
    ["¿Para cuándo es la reunión?"],
    ["Sí, voy a votar para ella"],
    ["Es para mi mamá"],
    ["Gracias"],
    ["The bus stop by my house is the polling place"],
    ["Quitting is not an option"],
    ["Who's running for sheriff?"],
    ["Where do I send my absentee ballot?"],
    ["I already voted!"],
    ["Info on early voting please"],
    ["START time?"],
    ["Text me the address"],
    ["Why don't you text me the link"],
    ["Call me tomorrow"],
    ["Got it"],
    ["Will do"],
    ["Is the number for the clerk right?"],
    ["My phone number changed to 919-555-0100"],
    ["I get off work at 5"],
    ["Can you stop by my house?"],
    ["I can't stop smiling"],
    ["No more war!"],
    ["No more excuses, let's vote"],
    ["I dont want any more Republicans in office"],
    ["take me to the polls please"],
    ["How do I cancel my volunteer shift?"],
    ["We need to stop book bans"],
    ["Help end the filibuster"],
    ["Sure, text me the details"],
    ["You can text me anytime"],
    ["Remove the yard sign from my yard please"],
    ["Please remove my name from the petition"],
    ["I'll stop texting you now, thanks for the info!"],
    ["Is this spam?"],
    ["Leave it alone"],
    ["I'm not voting"],
    ["ALTO AL FUEGO"],
    ["No me molesta"],
    ["no me interesa"],
    ["Para que es esto"],
    ["opt in"],
  ])("%j → reply", (body) => {
    expect(classifyReply(body)).toEqual({
      intent: "reply",
      keyword: null,
      providerKeyword: false,
      matchedPhrase: null,
      wrongNumber: false,
    });
  });
});

describe("classifyReply: emoji and noise", () => {
  it("treats a lone stop sign as an opt-out", () => {
    expect(classifyReply("🛑")).toMatchObject({ intent: "opt_out", keyword: null, matchedPhrase: "🛑" });
    expect(classifyReply(" ⛔️ ")).toMatchObject({ intent: "opt_out", matchedPhrase: "⛔️" });
    expect(classifyReply("😀")).toMatchObject({ intent: "reply" });
  });

  it("ignores accents, smart quotes, odd whitespace and case", () => {
    expect(classifyReply("DON’T\u00a0TEXT   ME")).toMatchObject({
      intent: "opt_out",
      matchedPhrase: "dont text me",
    });
    expect(classifyReply("\tStOp\u200b")).toMatchObject({ intent: "opt_out" });
    expect(classifyReply("NO ME ENVÍES MÁS MENSAJES")).toMatchObject({ intent: "opt_out" });
  });

  it("finds a revocation anywhere in a long message", () => {
    const body =
      "Hi, I got your flyer and I appreciate the work you all do for the county. However I get too many texts " +
      "on this phone from every campaign, so please remove me from your list. Good luck in November!";
    expect(classifyReply(body)).toMatchObject({ intent: "opt_out", matchedPhrase: "remove me" });
  });
});

describe("classifyReply: options", () => {
  it("adds organization-specific phrases", () => {
    expect(classifyReply("Not interested")).toMatchObject({ intent: "reply" });
    const options = { extraOptOutPhrases: ["not interested", "Bórrame ya"] };
    expect(classifyReply("NOT INTERESTED!", options)).toEqual({
      intent: "opt_out",
      keyword: null,
      providerKeyword: false,
      matchedPhrase: "not interested",
      wrongNumber: false,
    });
    expect(classifyReply("borrame ya por favor", options)).toMatchObject({
      intent: "opt_out",
      matchedPhrase: "borrame ya",
    });
    expect(classifyReply("I'm not uninterested", options)).toMatchObject({ intent: "reply" });
    expect(classifyReply("I'm never not interested", options)).toMatchObject({ intent: "reply" });
  });

  it("adds organization-specific keywords the provider does not answer", () => {
    const options = { extraOptOutKeywords: ["arrêt", "BAJA"] };
    expect(classifyReply("ARRET", options)).toEqual({
      intent: "opt_out",
      keyword: "ARRET",
      providerKeyword: false,
      matchedPhrase: null,
      wrongNumber: false,
    });
    expect(classifyReply("Arrêt s'il vous plaît. Arrêt!", options)).toMatchObject({ intent: "opt_out" });
    expect(classifyReply("baja por favor", options)).toMatchObject({ intent: "opt_out", keyword: "BAJA" });
    expect(classifyReply("arrêt de bus", options)).toMatchObject({ intent: "reply" });
  });

  it("rejects extra keywords that are not one word and phrases without words", () => {
    expect(() => classifyReply("x", { extraOptOutKeywords: ["stop now"] })).toThrow(InvalidInputError);
    expect(() => classifyReply("x", { extraOptOutKeywords: ["stop now"] })).toThrow(
      /extraOptOutKeywords\.0 .*exactly one word/,
    );
    expect(() => classifyReply("x", { extraOptOutPhrases: ["ok", "!!"] })).toThrow(/extraOptOutPhrases\.1/);
  });

  it("rejects a body that is not a string", () => {
    expect(() => classifyReply(undefined as unknown as string)).toThrow(InvalidInputError);
  });
});
