/**
 * The console's HTML skeleton and style sheet. The panels are filled by the bundled script
 * (app/main.ts); nothing is loaded from elsewhere, so the console works offline.
 */

/** The page, with the URLs of its script and style sheet (relative to `/console/`). */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>freshindex console</title>
<link rel="stylesheet" href="console.css">
<script type="module" src="console.js"></script>
</head>
<body>
<header>
  <h1>freshindex console</h1>
  <label>Resource type <select id="type"></select></label>
  <p id="connection" role="status">Connecting…</p>
</header>
<p id="announce" role="status" aria-live="polite"></p>
<main>
  <section aria-labelledby="generations-title">
    <h2 id="generations-title">Generations</h2>
    <dl id="generations"></dl>
    <div id="build" hidden>
      <label for="build-progress">Build progress</label>
      <progress id="build-progress"></progress>
      <p id="build-text"></p>
    </div>
    <div class="buttons"><button type="button" id="rebuild">Rebuild…</button> <button type="button" id="rollback">Roll back…</button> <button type="button" id="audit">Audit…</button></div>
  </section>
  <section aria-labelledby="charts-title">
    <h2 id="charts-title">Last 15 minutes</h2>
    <h3 id="chart-applied-title">Changes applied per second</h3>
    <div id="chart-applied" class="chart" role="img" aria-labelledby="chart-applied-title" aria-describedby="chart-applied-summary"></div>
    <p id="chart-applied-summary" class="note"></p>
    <h3 id="chart-lag-title">Freshness lag (p50, p99)</h3>
    <div id="chart-lag" class="chart" role="img" aria-labelledby="chart-lag-title" aria-describedby="chart-lag-summary"></div>
    <p id="chart-lag-summary" class="note"></p>
  </section>
  <section aria-labelledby="quarantine-title">
    <h2 id="quarantine-title">Quarantine</h2>
    <p id="quarantine-empty">No resource is quarantined.</p>
    <table id="quarantine-table" hidden>
      <thead><tr><th scope="col">Resource</th><th scope="col">Since</th><th scope="col">Differences</th><th scope="col">Last difference</th><th scope="col">Clean checks</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
      <tbody id="quarantine-body"></tbody>
    </table>
  </section>
  <section aria-labelledby="dead-letters-title">
    <h2 id="dead-letters-title">Dead letters</h2>
    <div id="dead-letters-body"></div>
    <div class="buttons"><button type="button" id="dead-letters-refresh">List dead letters again</button></div>
  </section>
  <section id="inspector" aria-labelledby="inspector-title">
    <h2 id="inspector-title">Record inspector</h2>
    <form id="inspect-form"><label for="inspect-id">Resource id</label> <input id="inspect-id" name="id" autocomplete="off" required> <button type="submit">Inspect</button></form>
    <div id="inspect-result" aria-live="polite"></div>
  </section>
  <section aria-labelledby="reports-title">
    <h2 id="reports-title">Reports</h2>
    <h3>Last build</h3><div id="last-build"></div>
    <h3>Last audit</h3><div id="last-audit"></div>
  </section>
</main>
<dialog id="confirm"></dialog>
</body>
</html>
`;

/** The console's own style: system fonts, AA contrast, visible focus, two columns on a laptop. */
export const CONSOLE_CSS = `
:root { color-scheme: light; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; background: #f6f8fa; }
body { margin: 0; }
header { display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; padding: 0.6rem 1.2rem; background: #0d2b4e; color: #fff; }
header h1 { font-size: 1.2rem; margin: 0; }
header select { font: inherit; margin-left: 0.4rem; }
#connection { margin: 0 0 0 auto; }
#connection.stale { color: #ffd8a8; font-weight: 600; }
#announce { margin: 0.4rem 1.2rem; min-height: 1.4em; font-weight: 600; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 1rem; padding: 0 1.2rem 1.2rem; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.4rem 1rem 1rem; min-width: 0; }
h2 { font-size: 1.1rem; } h3 { font-size: 0.95rem; margin: 0.8rem 0 0.3rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0; }
dt { font-weight: 600; } dd { margin: 0; }
.note { color: #57606a; }
progress { width: 100%; height: 1.2rem; }
button { font: inherit; padding: 0.3rem 0.8rem; border: 1px solid #8c959f; border-radius: 5px; background: #f6f8fa; color: #1b1f24; cursor: pointer; }
button:hover { background: #eaeef2; }
button.danger { background: #b42318; border-color: #8f1c13; color: #fff; }
button.link { border: none; background: none; color: #0550ae; text-decoration: underline; padding: 0; }
:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.buttons { display: flex; gap: 0.6rem; margin-top: 0.8rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.4rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
td.difference { max-width: 22rem; overflow-wrap: anywhere; }
input { font: inherit; padding: 0.25rem 0.4rem; border: 1px solid #8c959f; border-radius: 4px; min-width: 16rem; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8rem; }
.fields { list-style: none; padding: 0; margin: 0; font-size: 0.85rem; }
.fields li { padding: 0.1rem 0.3rem; overflow-wrap: anywhere; }
.fields li.differs { background: #fff1c2; border-left: 4px solid #9a6700; }
.mark { font-weight: 700; color: #7d4e00; }
.ok { color: #116329; font-weight: 600; } .bad { color: #a40e26; font-weight: 600; }
.problem { color: #a40e26; border-left: 4px solid #a40e26; padding-left: 0.6rem; }
dialog { border: 1px solid #8c959f; border-radius: 8px; max-width: 32rem; }
dialog::backdrop { background: rgba(13, 43, 78, 0.45); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.chart { min-height: 180px; }
`;
