/**
 * The curated list of plain-language opt-outs.
 *
 * Since 2025-04-11 (FCC order 24-18) a person may revoke consent "by any reasonable means", so a texting
 * tool must recognise "take me off your list" as surely as STOP. Each entry below is one family of
 * revocations, written against the canonical text of one clause (see `normalize-reply.ts`: lower case, no
 * accents or punctuation, `txt`→`text`, `pls`→`please`, `do not`→`dont`, `opt out`→`optout`, `#`→`number`,
 * `no more`→`nomore`, `no one`→`noone`), with examples the tests classify one by one.
 *
 * The bias is deliberate: when a message plausibly revokes consent, it does — a false opt-out costs one
 * contact who can text START; a missed one is a violation. But a pattern must name *us contacting them*
 * (texting, messages, the list, their number), so that "Stop the war", "I quit my job" and "End of the
 * street" stay conversation.
 *
 * A match preceded by a negation ("don't stop texting me", "I would never unsubscribe") is ignored; see
 * `isNegated` in `classify-reply.ts`.
 *
 * @internal
 * @module
 */

/** One family of plain-language opt-outs. */
export interface OptOutPattern {
  /** What the family catches, in a few words (shown in docs and test names). */
  readonly description: string;
  /** Matched against one clause's canonical text; compiled with the `g` flag. */
  readonly pattern: RegExp;
  /** Replies the pattern must turn into an opt-out; every one is a test case. */
  readonly examples: readonly string[];
  /** The sender says we reached the wrong person or number. */
  readonly wrongNumber?: true;
}

// Shared vocabularies, spliced into the patterns below as {NAME}.
const WORDS: Readonly<Record<string, string>> = {
  // Ways of contacting someone, as a gerund: "stop texting", "quit bothering".
  G: "texting|messaging|contacting|calling|sending|bothering|harassing|spamming|emailing|writing|pestering|hounding|bugging|hitting me up|blowing up my phone|reaching out|robotexting",
  // The same as a verb: "don't text me", "never contact me".
  V: "text|message|contact|call|sms|email|write|bother|spam|harass|pester|hit me up|reach out to|robotext",
  // What we send, as a noun: "no more texts", "stop these messages".
  N: "texts|messages|sms|spam|calls|emails|notifications|alerts|robotexts|mensajes|textos|texting|messaging",
  // Words between "stop" and what is stopped: "stop all these damn texts".
  D: "the|these|those|this|that|your|my|all|with|of|any|such|damn|fucking|freaking|effing|stupid|dumb|annoying|political|campaign|constant|endless|sending|receiving|getting|me|more",
  // Who is to be dropped: "remove me", "take my number off".
  ME: "me|us|him|her|them|myself|my number|my phone|my cell|my phone number|my cell number|my contact|my contact info|this number|this phone|our number",
  // The same, or their data, which counts only with a list named: "remove my info from your database".
  MINE: "me|us|him|her|them|myself|my number|my phone|my cell|my phone number|my cell number|my contact|my contact info|this number|this phone|our number|my name|my info|my information|my details|my data",
  // Where they are to be dropped from.
  LIST: "list|lists|database|roster|contacts|contact list|mailing list|texting list|text list|system",
  // Who is to stop: "I don't want you to text me".
  WHO: "you|yall|ya|anyone|anybody|people|them|your campaign|your organization|your group|your people",
  // Spanish verbs for sending, writing, calling, bothering, in the forms used to ask someone not to.
  ES_SEND:
    "envie|envies|envien|enviar|enviando|mande|mandes|manden|mandar|mandando|escriba|escribas|escriban|escribir|escribiendo|contacte|contactes|contacten|contactar|contactando|llame|llames|llamen|llamar|llamando|moleste|molestes|molesten|molestar|molestando|textee|textees|texteen|textear|texteando|mensajee|mensajees|mensajeen",
  // Spanish stems of the same verbs, for "deja de enviarme", "no quiero que me escriban".
  ES_STEM: "envi|mand|escrib|contact|llam|molest|texte|mensaje",
};

function p(source: string): RegExp {
  return new RegExp(
    source.replace(/\{([A-Z_]+)\}/g, (_, name: string) => {
      const words = WORDS[name];
      if (words === undefined) throw new Error(`Unknown vocabulary {${name}} in an opt-out pattern`);
      return `(?:${words})`;
    }),
    "g",
  );
}

/** The plain-language revocations Precinct recognises, English then Spanish, then wrong numbers. */
export const OPT_OUT_PATTERNS: readonly OptOutPattern[] = [
  {
    description: "stop/quit/end + contacting: stop texting me, quit sending",
    pattern: p(
      String.raw`\b(?:stop|quit|cease|discontinue|end|enough|halt)(?: (?:all|just|now|already|please|with|the|fucking|freaking|effing|damn|ever)){0,3} {G}\b(?! (?:you|yall)\b)`,
    ),
    examples: [
      "Stop texting me",
      "please STOP CONTACTING ME!!!",
      "Quit bothering me",
      "stop fucking texting me",
      "Stop txting me pls",
      "stop sending",
      "Enough with the texting",
      "cease messaging this number",
    ],
  },
  {
    description: "stop/no more + what we send: stop the texts, no more messages",
    pattern: p(
      String.raw`(?<!\bthe )\b(?:stop|quit|cease|end|cancel|enough|nomore|halt)(?: {D}){0,3} {N}\b(?! (?:you|yall)\b)`,
    ),
    examples: [
      "Stop the texts",
      "No more messages please",
      "enough with these texts",
      "cancel my texts",
      "stop receiving texts",
      "NO MORE TEXTS",
      "stop all these political messages",
    ],
  },
  {
    description: "a clause opening with no + texts: no texts please",
    pattern: p(String.raw`^no (?:{N}|text|message)\b`),
    examples: ["No texts please", "no messages"],
  },
  {
    description: "don't/never + contact + me: don't text me, never contact me again",
    pattern: p(
      String.raw`\b(?:dont|never|no longer|stop)(?: (?:ever|even|please|again|anymore)){0,2} {V}(?: or {V})?(?: (?:me|us|him|her|them|this number|my number|my phone|my cell|this phone|here|again|anymore|ever|at this number)\b|$)`,
    ),
    examples: [
      "Don't text me",
      "Do not contact me again",
      "never message this number again",
      "please don't ever text me",
      "dont text or call me",
      "Please do not call.",
      "DONT TXT ME",
      "don’t contact me",
    ],
  },
  {
    description: "don't send me any more texts",
    pattern: p(
      String.raw`\b(?:dont|never) (?:ever )?send (?:me|us|this number|my number) (?:(?:any|more|anymore|another|other|these|this|your) )*(?:{N}|anything|anymore|again)\b`,
    ),
    examples: ["Don't send me any more texts", "never send me anything again"],
  },
  {
    description: "don't want (any more) texts",
    pattern: p(
      String.raw`\b(?:dont|no longer|never) (?:want|wish|wanna|need)(?: (?:to|receive|recieve|get|getting|receiving|any|more|anymore|these|this|those|your|the|be|of|political|campaign|such|sent|nomore|them|text)){0,4} {N}\b`,
    ),
    examples: [
      "I don't want any more texts",
      "I no longer wish to receive these messages",
      "dont want ur texts",
      "I do not want to get these text messages",
    ],
  },
  {
    description: "don't want to be contacted / on your list",
    pattern: p(
      String.raw`\b(?:dont|no longer|never) (?:want|wish|wanna|need) (?:to )?be (?:contacted|texted|messaged|called|bothered|emailed|on (?:(?:the|your|this|that|any|a) )?(?:\w+ )?{LIST})\b`,
    ),
    examples: ["I don't want to be contacted", "I do not wish to be on your list", "dont wanna be texted"],
  },
  {
    description: "don't want you to text me",
    pattern: p(String.raw`\b(?:dont|no longer|never) (?:want|wish|wanna|need) {WHO} (?:to )?(?:{V}|{G})\b`),
    examples: ["I don't want you to text me", "I do not want your campaign contacting me"],
  },
  {
    description: "don't want to hear from you",
    pattern: p(
      String.raw`\b(?:dont|no longer|never) (?:want|wish|wanna|need) to hear from (?:you|yall|ya|your|this|them|anyone|anybody)\b`,
    ),
    examples: ["I never want to hear from you again"],
  },
  {
    description: "remove me / unsubscribe me / delete my number",
    pattern: p(
      String.raw`\b(?:remove|delete|erase|unsubscribe|unenroll|deregister|unlist)(?: please)? {ME}\b`,
    ),
    examples: [
      "Remove me",
      "remove me from this list",
      "Unsubscribe me",
      "please remove my number",
      "remove this number please",
      "REMOVE ME FROM YOUR LIST!!",
    ],
  },
  {
    description: "take me off / get me off / drop me from",
    pattern: p(
      String.raw`\b(?:take|get|drop|kick|scratch|cross|strike|pull|leave|knock|move|remove|delete|erase) {ME} (?:off|from)\b(?: (?:the|your|this|that|all|these|yalls) (?:\w+ )?{LIST}\b)?|\b(?:take|get|drop|kick|pull|remove|delete|erase) {MINE} (?:off|from|out of) (?:(?:the|your|this|that|all|these|any|yalls) )?(?:\w+ )?{LIST}\b`,
    ),
    examples: [
      "Take me off your list",
      "take me off",
      "get me off this list please",
      "Drop me from the list",
      "take my number off your list",
      "get us out of your database",
      "Please remove my info from your database",
      "Take me off ur list",
    ],
  },
  {
    description: "off/out of your list",
    pattern: p(
      String.raw`\b(?:off|out of) (?:the|your|this|that|these|all|yalls|any|their|all of your|all your) (?:\w+ )?{LIST}\b`,
    ),
    examples: ["I want off your list", "Put me out of your contact list"],
  },
  {
    description: "be removed / be taken off / be unsubscribed",
    pattern: p(
      String.raw`\b(?:be|get|been|being|getting|was|were|have me|had me) (?:removed|taken off|unsubscribed|opted out|deleted|unenrolled|unlisted)\b`,
    ),
    examples: ["I want to be removed", "please have me removed", "I asked to be taken off"],
  },
  {
    description: "unsubscribe / opt out, anywhere in the message",
    pattern: p(
      String.raw`\bunsubscrib\w*|\bunenroll\w*|\boptout\b|\bopt (?:me|us|him|her|myself|my number|this number) out\b|\bopted out\b|\boptedout\b|\bcancel (?:(?:my|the|this|your|all|these) )?(?:subscription|subscriptions|membership)\b`,
    ),
    examples: [
      "Unsubscribe",
      "how do I unsubscribe?",
      "I want to opt out",
      "Opt-out",
      "opt me out",
      "I already opted out!",
      "I unsubscribed last week",
      "unsub",
      "UNSUSCRIBE",
      "Cancel my subscription",
    ],
  },
  {
    description: "leave me alone / go away / f off",
    pattern: p(
      String.raw`\bleave (?:me|us|my family|him|her|them|this number|my number) alone\b|\bgo away\b|\bget lost\b|\b(?:fuck|f|eff|piss|screw|buzz|bugger|sod) off\b|\bgtfo\b|\bcease and desist\b`,
    ),
    examples: ["Leave me alone", "go away", "F off", "Please just leave me alone!", "cease and desist"],
  },
  {
    description: "lose/delete/forget my number",
    pattern: p(
      String.raw`\b(?:lose|loose|delete|forget|erase|trash|toss|drop|burn|scrap|remove|throw away|get rid of|purge) (?:my|this|our) (?:number|phone number|cell number|phone|cell|contact|contact info|contact information|info|information|data|details|digits)\b|\b(?:lose|loose|delete|forget|erase|trash|toss|burn|scrap|throw away|get rid of|purge) the (?:number|phone number)\b`,
    ),
    examples: ["Lose my number", "delete my number", "forget this number", "loose my number pls"],
  },
  {
    description: "revoke/withdraw consent, I do not consent",
    pattern: p(
      String.raw`\b(?:withdraw|revoke|rescind|retract|remove|cancel|pull) (?:(?:my|all|any|our) )?(?:consent|permission)\b|\b(?:dont|never|no longer|didnt) (?:(?:give|gave|given|grant|granted|have given|ever gave) )?(?:(?:you|yall|anyone|any) )?(?:consent|permission)\b|\bno (?:consent|permission)\b`,
    ),
    examples: [
      "I revoke my consent",
      "I do not consent",
      "I never gave you permission to text me",
      "withdraw consent",
    ],
  },
  {
    description: "I never signed up / never asked for this",
    pattern: p(
      String.raw`\b(?:never|didnt|dont remember|dont recall) (?:sign|signed|signing) up\b|\b(?:never|didnt) (?:subscribed|subscribe|opted in|consented|asked for (?:this|these|it|texts|messages|them|your texts|your messages))\b`,
    ),
    examples: ["I never signed up for this", "I didn't sign up", "never asked for these"],
  },
  {
    description: "do-not-call/text lists",
    pattern: p(String.raw`\b(?:dont|dnc) (?:call|text|contact) (?:list|registry)\b|\bdnc\b`),
    examples: ["Put me on your do not call list", "DNC"],
  },
  {
    description: "I said stop / told you to stop",
    pattern: p(
      String.raw`\b(?:said|say|saying|told (?:you|yall|ya)|tell (?:you|yall|ya)|telling (?:you|yall)|asked(?: (?:you|yall))?|asking(?: (?:you|yall))?) (?:to )?(?:stop|quit|unsubscribe|optout|remove me|take me off)\b`,
    ),
    examples: ["How many times do I have to say stop", "I told you to stop"],
  },
  {
    description: "I want to stop (receiving these) / I'd like to unsubscribe",
    pattern: p(
      String.raw`\b(?:want|wanna|would like|like|need|wish) to (?:unsubscribe|optout|be removed)\b|\b(?:want|wanna|would like|need|wish) to (?:stop|quit|end) (?:(?:receiving|getting) )?(?:(?:these|this|the|all|of|your) )*(?:{N}|them)\b|\b(?:want|wanna|would like|need|wish) to (?:stop|quit)(?: (?:now|please|this|it|all|these|receiving|getting|thanks))*$`,
    ),
    examples: ["I want to stop receiving these texts", "I'd like to unsubscribe", "i want to stop"],
  },
  {
    description: "how do I stop these (texts)?",
    pattern: p(
      String.raw`\bhow (?:do|can|would|to) (?:(?:i|we|you) )?(?:stop|cancel|end|quit|turn off|make (?:this|these|it|them) stop)(?: (?:this|these|it|them|all|receiving|getting|the|your))*(?: {N})?$`,
    ),
    examples: ["How do I stop these?", "how do i stop getting these texts", "How can I make these stop"],
  },
  {
    description: "this is spam / harassment / I'm blocking you",
    pattern: p(
      String.raw`\b(?:is|its|thats|such|more|total|pure|stupid|annoying|political|fucking|damn) spam\b|^spam\b|\bharass(?:ment|ing|ed|er)?\b|\b(?:block|blocking|blocked|reporting|report|reported) (?:you|yall|ya|this number|your number)\b|\b(?:report|reported|reporting|flag|flagged|flagging|mark|marked|marking) (?:(?:this|it|you|yall) )?as spam\b`,
    ),
    examples: ["This is spam", "SPAM", "this is harassment", "I'm blocking you", "reported as spam"],
  },
  // Spanish. Many organizers text Spanish speakers; these are the common ways to say "stop".
  {
    description: "es: no me envíe(s) más mensajes / no me escriban",
    pattern: p(String.raw`\bno (?:me|nos|le|les) (?:(?:vuelvas?|vuelvan|sigas?|sigan) (?:a )?)?{ES_SEND}\b`),
    examples: [
      "No me envíe más mensajes",
      "no me envíes más mensajes",
      "No me escriban",
      "no me vuelvas a escribir",
      "NO ME MANDEN MAS TEXTOS",
      "no me sigan molestando",
    ],
  },
  {
    description: "es: bájame / sácame / quítame de la lista",
    pattern: p(
      String.raw`\b(?:baj|sac|saq|quit|borr|elimin|remuev|remov)\w* (?:(?:me|mi numero|mi nombre|mi telefono|este numero|nos) )?(?:de|del) (?:(?:la|su|tu|esta|sus|tus|las|vuestra|esa) )?(?:lista|listas|registro|base de datos|sistema)\b`,
    ),
    examples: [
      "Bájame de la lista",
      "sácame de su lista",
      "Quítenme de esta lista",
      "borra mi número de la lista",
    ],
  },
  {
    description: "es: dame de baja",
    pattern: p(String.raw`\bde baja\b`),
    examples: ["Dame de baja", "quiero darme de baja"],
  },
  {
    description: "es: deja de enviarme mensajes",
    pattern: p(
      String.raw`\b(?:deja|dejen|deje|dejes|dejar|para|paren|pare|pares|parar|basta) de {ES_STEM}\w*`,
    ),
    examples: ["Deja de enviarme mensajes", "paren de escribirme"],
  },
  {
    description: "es: ya no quiero (recibir) mensajes",
    pattern: p(
      String.raw`\bno (?:quiero|queremos|deseo) (?:(?:recibir|mas|sus|tus|estos|esos|los|ningun|ninguno|ver|seguir|recibiendo) )*(?:mensajes|textos|mensajitos|sms|mensaje|texto)\b|\bno (?:quiero|queremos|deseo) que me {ES_STEM}\w*`,
    ),
    examples: ["Ya no quiero recibir mensajes", "no quiero que me escriban", "No quiero mensajes"],
  },
  {
    description: "es: no más (mensajes)",
    pattern: p(
      String.raw`^(?:ya )?no mas(?: (?:porfavor|gracias|please))*$|\bno mas (?:mensajes|textos|sms|mensajitos)\b`,
    ),
    examples: ["No más", "No más mensajes por favor", "ya no más"],
  },
  {
    description: "es: déjame en paz",
    pattern: p(String.raw`\b(?:dejame|dejenme|dejeme|dejanos|dejennos) en paz\b`),
    examples: ["Déjame en paz"],
  },
  {
    description: "es: cancelar suscripción / desuscribirme",
    pattern: p(
      String.raw`\bcancel(?:ar|a|en|o|e)? (?:(?:mi|la|los|mis|esta|estas|el|su) )?(?:suscripcion|subscripcion|mensajes|textos)\b|\b(?:desuscrib|desinscrib|dessuscrib|desubscrib)\w*`,
    ),
    examples: ["Cancelar suscripción", "quiero desuscribirme"],
  },
  // Wrong numbers. We never keep texting a stranger: they did not consent, and the person we meant to reach
  // is not at this number, so the contact point is opted out (the person record can get a new number).
  {
    description: "wrong number / wrong person",
    pattern: p(
      String.raw`\bwrong (?:number|numbers|phone|cell|person|guy|girl|lady|man|woman|dude|contact|individual|family|house|household|party)\b|\bwrong no$`,
    ),
    examples: ["Wrong number", "wrong #", "You have the wrong person", "WRONG NUMBER!!"],
    wrongNumber: true,
  },
  {
    description: "you have the wrong (one)",
    pattern: p(String.raw`\b(?:have|got|texted|reached|messaged|contacted) the wrong(?: one)?$`),
    examples: ["You have the wrong", "you texted the wrong one"],
    wrongNumber: true,
  },
  {
    description: "no one here by that name",
    pattern: p(
      String.raw`\b(?:noone|nobody)(?: here| at this number)? (?:by|with) (?:that|this|the|such a) name\b|\b(?:noone|nobody)(?: here| at this number)? (?:named|called) \w+`,
    ),
    examples: ["No one here by that name", "Nobody named Jordan here"],
    wrongNumber: true,
  },
  {
    description: "this isn't her number / not the right person",
    pattern: p(
      String.raw`\b(?:isnt|not|aint) (?:his|her|their|\w+s) (?:number|phone|cell|phone number)\b|\bnot the (?:right|correct) (?:person|number|phone|one|guy|girl|contact)\b|\bnot the person you\b|\b(?:doesnt|dont) (?:live|stay|reside|work) here\b|\bjust got this number\b|\bthis is a new number\b`,
    ),
    examples: [
      "This isn't Maria's number",
      "that is not his phone",
      "I'm not the right person",
      "She doesn't live here",
      "I just got this number",
    ],
    wrongNumber: true,
  },
  {
    description: "es: número equivocado",
    pattern: p(
      String.raw`\b(?:numero|persona) equivocad[oa]s?\b|\bequivocad[oa]s? de (?:numero|persona)\b|\bse equivoc\w* de (?:numero|persona)\b`,
    ),
    examples: ["Número equivocado", "Se equivocó de número"],
    wrongNumber: true,
  },
];

/**
 * Words that revoke consent when a clause holds nothing else but courtesy ("stop please", "Quit!", "Para.",
 * "Basta ya"). Alone, not inside a sentence: "Stop by the office?", "I quit my job", "para mi mamá" and
 * "the end" are conversation. Spanish: para, alto, basta, parar, pare(n), cancelar, baja, detener.
 */
export const OPT_OUT_WORDS: ReadonlySet<string> = new Set([
  "stop",
  "stopall",
  "unsubscribe",
  "unsubscribed",
  "cancel",
  "end",
  "quit",
  "revoke",
  "optout",
  "remove",
  "para",
  "alto",
  "basta",
  "parar",
  "pare",
  "paren",
  "cancelar",
  "cancela",
  "baja",
  "detener",
  "detente",
]);

/**
 * Courtesy and noise around a keyword that leave it a keyword: "STOP please", "ok stop", "Stop it now",
 * "I said stop", "no, stop", "Basta ya", "para por favor".
 */
export const FILLER_WORDS: ReadonlySet<string> = new Set([
  "please",
  "now",
  "thanks",
  "ok",
  "just",
  "already",
  "it",
  "all",
  "this",
  "that",
  "these",
  "immediately",
  "asap",
  "right",
  "away",
  "sorry",
  "no",
  "i",
  "said",
  "again",
  "seriously",
  "lol",
  "kindly",
  "hi",
  "hey",
  "hello",
  "man",
  "dude",
  "bro",
  "sir",
  "maam",
  "me",
  "us",
  "yes",
  "yeah",
  "oh",
  "omg",
  "ugh",
  "god",
  "damn",
  "fucking",
  "freaking",
  "effing",
  "guys",
  "yall",
  "forever",
  "permanently",
  "completely",
  "totally",
  "everything",
  "anymore",
  "porfavor",
  "gracias",
  "ya",
  "ahora",
]);

/**
 * What may stand beside a lone keyword and keep it an opt-out, full-match on the canonical words: who is
 * this, how did you get my number, not interested, I already voted ("STOP who is this", "not interested
 * stop"). Anything else beside the keyword makes it part of a sentence ("Stop Project 2025!" is support,
 * not a revocation).
 */
export const KEYWORD_COMPANIONS: RegExp = new RegExp(
  `^(?:${[
    "who (?:is|are|dis|this)(?: (?:this|you|yall|dis|these people|this person|texting me|texting))?",
    "whos (?:this|texting me|texting)",
    "how (?:did|do) (?:you|yall|ya) (?:get|have) (?:my|this) (?:number|info|phone|contact|cell)",
    "i dont know (?:you|who (?:this|you) (?:is|are))",
    "(?:im )?not interested|no thanks|no interest|not for me",
    "wrong (?:number|person)",
    "i (?:already |have already |already have )?(?:voted|donated|gave|signed)",
    "(?:this is |its )?(?:annoying|spam|harassment)",
    "you people|for real|i mean it|i asked(?: you)?",
  ].join("|")})$`,
);
