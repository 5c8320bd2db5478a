  // The -flow taint rules in TypeScript with ES module imports.
    import{readFileSync} from 'fs';
import * as path from 'path';
import type {Request, Response} from 'express';
import {Pool} from 'pg';

const pool = new Pool();

export async function report(req: Request, res: Response): Promise<void> {
  const year: string = req.body.year;
  const query = `SELECT * FROM reports WHERE year = ${year}`;
  await pool.query(query);  // ward-expect: javascript.sql-injection-flow
  await pool.query('SELECT * FROM reports WHERE year = $1', [year]);
  const template = readFileSync(
      path.join(__dirname, 'templates', req.params.name as string),
      'utf8');  // ward-expect: javascript.path-traversal-flow
  const fixed = readFileSync(path.join(__dirname, 'templates', 'report.html'), 'utf8');
  res.json({template, fixed});
}
