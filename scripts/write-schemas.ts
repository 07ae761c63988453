/** Writes schemas/change-event.schema.json from the code's contract (npm run schemas). */
import { writeFileSync } from 'node:fs';
import { changeEventJsonSchema } from '../lambdas/core/events.ts';

const schema = { $id: 'https://freshindex.dev/schemas/change-event.schema.json', title: 'freshindex change event', ...changeEventJsonSchema() };
writeFileSync(new URL('../schemas/change-event.schema.json', import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
