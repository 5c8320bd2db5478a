  // The same rules in TypeScript, with ES module imports.
import{createHash, createHmac, randomInt} from 'node:crypto';
import * as child_process from 'child_process';
import {Agent} from 'https';
import cors from 'cors';
import jwt from 'jsonwebtoken';
import type {Request, Response} from 'express';

export function digest(body: string): string {
  const weak: string =
      createHash('md5').update(body).digest('hex');  // ward-expect: javascript.weak-hash
  const mac = createHmac('sha256', process.env.KEY ?? '').update(body).digest('hex');
  return weak + mac;
}

export function archive(req: Request, res: Response): void {
  const name = req.query.name as string;
  child_process.execSync(
      'tar czf /tmp/' + name + '.tgz /srv/data');  // ward-expect: javascript.command-injection
  child_process.execSync('tar czf /tmp/all.tgz /srv/data');
  child_process.execFileSync('tar', ['czf', `/tmp/${name}.tgz`, '/srv/data']);
  res.sendStatus(204);
}

export const corsOptions =
    cors({origin: true, credentials: true});  // ward-expect: javascript.cors-wildcard-credentials

export function insecureAgent(): Agent {
  return new Agent({
    keepAlive: true,
    rejectUnauthorized: false
  });  // ward-expect: javascript.tls-verification-disabled
}

export function issue(claims: object, key: string): string {
  jwt.sign(claims, key, {algorithm: 'none'});  // ward-expect: javascript.jwt-none-algorithm
  return jwt.sign(claims, key, {algorithm: 'HS256', expiresIn: '1h'});
}

export function pick<T>(items: T[]): T {
  const index: number =
      Math.floor(Math.random() * items.length);  // ward-expect: javascript.weak-random
  return items[index] ?? items[randomInt(items.length)];
}

export function run(code: string): unknown {
  return eval(code);  // ward-expect: javascript.code-injection
}

export function setRemember(res: Response, value: string): void {
  res.cookie(
      'remember', value,
      {secure: false, maxAge: 86400000});  // ward-expect: javascript.insecure-cookie
}
