import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { toUpsertFromDoc } from '../../../lambdas/core/transform.ts';
import { MovieCatalog, loadRawMovies, movieId } from '../../../lambdas/local/demo/catalog.ts';
import { config } from '../../../examples/movies/freshindex.config.ts';
import { toMovieRecord } from '../../../lambdas/local/demo/movie-record.ts';

const raw = loadRawMovies();
const row = (title: unknown, year?: string) => {
  const found = raw.find((movie) => movie['Title'] === title && (year === undefined || String(movie['Release Date']).endsWith(year)));
  if (!found) throw new Error(`no movie ${String(title)} in the data set`);
  return found;
};

describe('toMovieRecord on the vega-datasets movies', () => {
  it('turns every one of the 3,201 movies into a record', () => {
    const records = raw.map(toMovieRecord);
    expect(records).toHaveLength(3201);
  });

  it('keeps a null Rotten Tomatoes rating and other missing fields as null', () => {
    expect(toMovieRecord(row('The Land Girls'))).toEqual({
      title: 'The Land Girls',
      releaseDate: '1998-06-12',
      year: 1998,
      mpaaRating: 'R',
      genre: null,
      source: null,
      creativeType: null,
      director: null,
      distributor: 'Gramercy',
      runningTimeMin: null,
      productionBudget: 8000000,
      usGross: 146083,
      worldwideGross: 146083,
      usDvdSales: null,
      rottenTomatoesRating: null,
      imdbRating: 6.1,
      imdbVotes: 1071,
    });
  });

  it('turns a title the data set holds as a number into text', () => {
    expect(toMovieRecord(row(1776)).title).toBe('1776');
  });

  it('names a movie without a title "Untitled"', () => {
    expect(toMovieRecord(row(null)).title).toBe('Untitled');
  });

  it('moves a two-digit-year rollover date back a century', () => {
    expect(toMovieRecord(row('Gone with the Wind'))).toMatchObject({ releaseDate: '1939-12-15', year: 1939 });
  });

  it('puts a trailing article back in front of the title', () => {
    expect(toMovieRecord(row('Charge of the Light Brigade, The')).title).toBe('The Charge of the Light Brigade');
  });

  it('repairs accents that were decoded as Mac Roman', () => {
    expect(toMovieRecord(row('LÈon')).title).toBe('Léon');
    expect(toMovieRecord(row('Joyeux NoÎl')).title).toBe('Joyeux Noël');
  });

  it('leaves characters that were right alone', () => {
    expect(toMovieRecord(row('Alien³')).title).toBe('Alien³');
  });

  it('reads a gross of 0, which this data set uses for unknown, as null', () => {
    const record = toMovieRecord(row('Gone with the Wind'));
    expect([record.usGross, record.worldwideGross].every((value) => value === null || value > 0)).toBe(true);
    const zero = raw.find((movie) => movie['US Gross'] === 0) as Record<string, unknown>;
    expect(toMovieRecord(zero).usGross).toBeNull();
  });

  it('parses numbers an edit sends as strings and drops values out of range', () => {
    const edited = { ...row('The Land Girls'), 'IMDB Rating': '7.5', 'US Gross': '$1,200,000', 'Rotten Tomatoes Rating': '140', 'Running Time min': ' 112 ' };
    expect(toMovieRecord(edited)).toMatchObject({ imdbRating: 7.5, usGross: 1_200_000, rottenTomatoesRating: null, runningTimeMin: 112 });
  });

  it('takes an ISO release date from an edit as written', () => {
    expect(toMovieRecord({ ...row('The Land Girls'), 'Release Date': '2024-03-01' })).toMatchObject({ releaseDate: '2024-03-01', year: 2024 });
  });

  it('drops a rating outside the MPAA set', () => {
    expect(toMovieRecord({ ...row('The Land Girls'), 'MPAA Rating': 'Not Rated' }).mpaaRating).toBeNull();
  });
});

describe('the movie demo config', () => {
  it('validates', () => {
    expect(validateConfig(config).types.map((type) => type.name)).toEqual(['movie']);
  });

  it('gives every catalog document an upsert with its id and version', () => {
    const movie = validateConfig(config).types[0];
    const catalog = new MovieCatalog(raw, () => 1_700_000_000_000);
    const doc = catalog.get('the-land-girls-1998');
    expect(movie && doc ? toUpsertFromDoc(movie, doc) : undefined).toMatchObject({ id: 'the-land-girls-1998', version: 1_700_000_000_000 });
  });
});

describe('MovieCatalog', () => {
  it('gives every movie of the data set a distinct id from its title and year alone', () => {
    expect(new Set(raw.map((movie, index) => movieId(movie, index))).size).toBe(3201);
  });

  it('derives ids from the title and release year', () => {
    expect(movieId(row('Gone with the Wind'), 0)).toBe('gone-with-the-wind-1939');
    expect(movieId(row('LÈon'), 0)).toBe('leon-1994');
  });

  it('raises the version of an edit even within the same millisecond', () => {
    const catalog = new MovieCatalog(raw, () => 1_000);
    const first = catalog.patch('the-land-girls-1998', { 'IMDB Rating': 7 });
    const second = catalog.patch('the-land-girls-1998', { 'IMDB Rating': 8 });
    expect([first?.version, second?.version]).toEqual([1_001, 1_002]);
  });

  it('gives a document created again after a delete a newer version than the delete', () => {
    const catalog = new MovieCatalog(raw, () => 1_000);
    const deleted = catalog.delete('the-land-girls-1998');
    const created = catalog.put('the-land-girls-1998', { Title: 'The Land Girls' });
    expect(created.version).toBeGreaterThan(deleted?.version ?? Infinity);
  });
});
