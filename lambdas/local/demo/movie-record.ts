/**
 * The demo's transform: a vega-datasets movie document (nulls, titles that are numbers,
 * mis-decoded accents, "Jun 12 1998" dates with a two-digit-year rollover, numbers that an edit
 * may send as strings) becomes a clean index record.
 */
import type { SourceDoc } from '../../core/ports.ts';

/** The index record of a movie. Absent or unusable values are `null`, never `undefined`, `NaN` or `""`. */
export interface MovieRecord {
  title: string;
  /** ISO date, `YYYY-MM-DD`. */
  releaseDate: string | null;
  year: number | null;
  mpaaRating: 'G' | 'PG' | 'PG-13' | 'R' | 'NC-17' | null;
  genre: string | null;
  source: string | null;
  creativeType: string | null;
  director: string | null;
  distributor: string | null;
  runningTimeMin: number | null;
  /** US dollars; null when unknown (the data set writes 0). */
  productionBudget: number | null;
  usGross: number | null;
  worldwideGross: number | null;
  usDvdSales: number | null;
  /** 0..100. */
  rottenTomatoesRating: number | null;
  /** 0..10. */
  imdbRating: number | null;
  imdbVotes: number | null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** The data set was compiled in 2010: its "Mon DD YYYY" dates after this year are 19xx read as 20xx. */
const LAST_YEAR_OF_DATA_SET = 2011;
const MPAA = new Set(['G', 'PG', 'PG-13', 'R', 'NC-17']);

/**
 * Latin-1 text that was read as Mac Roman: "LÈon" is "Léon". Only characters that follow a letter
 * or digit (or stand alone) are repaired, so a real capital at the start of a word survives.
 */
const MAC_ROMAN_MISREADS: Record<string, string> = {
  È: 'é', Í: 'ê', Ë: 'è', Î: 'ë', Ï: 'í', Ì: 'ì', Ó: 'î', Ô: 'ï', Ò: 'ñ', Ú: 'ò', Û: 'ó', Ù: 'ô', ˆ: 'ö',
  '‡': 'à', '‰': 'ä', '·': 'á', '˘': 'ù', Ö: '…', Ω: '½', Á: 'ç',
};

/** Turns a movie document into its index record. Throws when the document is not an object. */
export function toMovieRecord(doc: SourceDoc): MovieRecord {
  const date = parseReleaseDate(doc['Release Date']);
  return {
    title: cleanTitle(doc['Title']),
    releaseDate: date?.iso ?? null,
    year: date?.year ?? null,
    mpaaRating: mpaa(doc['MPAA Rating']),
    genre: text(doc['Major Genre']),
    source: text(doc['Source']),
    creativeType: text(doc['Creative Type']),
    director: text(doc['Director']),
    distributor: text(doc['Distributor']),
    runningTimeMin: number(doc['Running Time min'], { min: 1, max: 1_000, integer: true }),
    // Money of 0 means "not known" in this data set (old films), never a film that earned nothing.
    productionBudget: number(doc['Production Budget'], { min: 1 }),
    usGross: number(doc['US Gross'], { min: 1 }),
    worldwideGross: number(doc['Worldwide Gross'], { min: 1 }),
    usDvdSales: number(doc['US DVD Sales'], { min: 1 }),
    rottenTomatoesRating: number(doc['Rotten Tomatoes Rating'], { min: 0, max: 100 }),
    imdbRating: number(doc['IMDB Rating'], { min: 0, max: 10 }),
    imdbVotes: number(doc['IMDB Votes'], { min: 0, integer: true }),
  };
}

/** A title: numbers become text ("1776"), "Charge of the Light Brigade, The" reads naturally, accents repaired. */
export function cleanTitle(value: unknown): string {
  const raw = typeof value === 'number' && Number.isFinite(value) ? String(value) : text(value);
  if (raw === null) return 'Untitled';
  const repaired = repairAccents(raw);
  const article = /^(.*), (The|A|An)$/.exec(repaired);
  return article ? `${article[2]} ${article[1]}` : repaired;
}

/** Repairs Latin-1 text that was decoded as Mac Roman (see `MAC_ROMAN_MISREADS`). */
export function repairAccents(value: string): string {
  return value.replace(/(?<=[\p{L}\p{N}])[^\x00-\x7f]|(?<=^|\s)[^\x00-\x7f](?=\s|$)/gu, (char) => MAC_ROMAN_MISREADS[char] ?? char);
}

/**
 * A release date: "Jun 12 1998" (the data set's format; a year after 2011 is the two-digit-year
 * rollover of 19xx and is moved back a century) or ISO "1998-06-12" (taken as written, for edits).
 */
export function parseReleaseDate(value: unknown): { iso: string; year: number } | null {
  const raw = text(value);
  if (raw === null) return null;
  const legacy = /^([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})$/.exec(raw);
  if (legacy) {
    const month = MONTHS.indexOf((legacy[1] as string).toLowerCase()) + 1;
    let year = Number(legacy[3]);
    if (year > LAST_YEAR_OF_DATA_SET) year -= 100;
    return validDate(year, month, Number(legacy[2]));
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$/.exec(raw);
  if (iso) return validDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  return null;
}

function validDate(year: number, month: number, day: number): { iso: string; year: number } | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return { iso: date.toISOString().slice(0, 10), year };
}

/** A trimmed string with single spaces, or null for null, blanks and non-strings. */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const cleaned = value.replace(/\s+/g, ' ').trim();
  return cleaned === '' || /^(n\/?a|null|none|unknown)$/i.test(cleaned) ? null : cleaned;
}

/** A number from a number or a string such as "7.5", "$1,200,000" or " 85 "; null when absent or out of range. */
function number(value: unknown, range: { min?: number; max?: number; integer?: boolean }): number | null {
  let parsed: number;
  if (typeof value === 'number') parsed = value;
  else if (typeof value === 'string' && /^\s*\$?\s*-?[\d,]*\.?\d+\s*%?\s*$/.test(value)) parsed = Number(value.replace(/[\s$,%]/g, ''));
  else return null;
  if (!Number.isFinite(parsed)) return null;
  if ((range.min !== undefined && parsed < range.min) || (range.max !== undefined && parsed > range.max)) return null;
  return range.integer ? Math.round(parsed) : parsed;
}

function mpaa(value: unknown): MovieRecord['mpaaRating'] {
  const rating = text(value)?.toUpperCase() ?? null;
  return rating !== null && MPAA.has(rating) ? (rating as MovieRecord['mpaaRating']) : null;
}
