import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder, INT64 } from '../src/convert/onnxGraph.ts';
import { sha256Hex } from '../src/convert/package.ts';
import { parseSafetensors, readFloat, writeSafetensors } from '../src/model/safetensors.ts';
import { cli } from './cliRun.ts';
import { maxRelError, REFERENCE_DIR, referenceTensors } from './reference.ts';


describe('CLI convert + forward', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adacache-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const weights = join(REFERENCE_DIR, 'weights.safetensors');
  const config = join(REFERENCE_DIR, 'config.json');

  it('converts the reference checkpoint and reproduces the official output', async () => {
    const pkg = join(dir, 'pkg');
    const conv = await cli('convert', '--weights', weights, '--config', config, '--out', pkg);
    expect(conv.stderr).toBe('');
    expect(conv.code).toBe(0);
    const out = join(dir, 'out.safetensors');
    const fwd = await cli('forward', '--model', pkg, '--inputs', join(REFERENCE_DIR, 'forward.safetensors'), '--out', out);
    expect(fwd.code).toBe(0);
    const ours = readFloat(parseSafetensors(new Uint8Array(readFileSync(out))), 'out');
    expect(ours.dims).toEqual([2, 8, 4, 8, 8]);
    expect(maxRelError(ours.data, referenceTensors('forward').get('out')!.data)).toBeLessThan(1e-4);

    // A package from before final.onnx took the latent size is refused with advice, not run.
    const stalePkg = join(dir, 'stale');
    cpSync(pkg, stalePkg, { recursive: true });
    const old = new GraphBuilder('stdit3_final');
    old.output('out', old.op('Identity', [old.input('h', ['B', 'N', 96])]), ['B', 'N', 96]);
    old.input('t_emb', ['B', 96]);
    old.input('grid', [3], INT64);
    const oldBytes = old.toBytes();
    writeFileSync(join(stalePkg, 'final.onnx'), oldBytes);
    const manifest = JSON.parse(readFileSync(join(stalePkg, 'manifest.json'), 'utf8'));
    manifest.files.final = { path: 'final.onnx', bytes: oldBytes.byteLength, sha256: await sha256Hex(oldBytes) };
    writeFileSync(join(stalePkg, 'manifest.json'), JSON.stringify(manifest));
    const stale = await cli('forward', '--model', stalePkg, '--inputs', join(REFERENCE_DIR, 'forward.safetensors'), '--out', out);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/final\.onnx has no "size" input \(converted by an older converter\); convert the checkpoint again/);

    // A damaged file is refused with a message naming it.
    const stack = join(pkg, 'stack.onnx');
    const bytes = readFileSync(stack);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(stack, bytes);
    const damaged = await cli('forward', '--model', pkg, '--inputs', join(REFERENCE_DIR, 'forward.safetensors'), '--out', out);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toMatch(/stack\.onnx is damaged/);
  });

  it('explains bad arguments, missing files and wrong checkpoints, with a non-zero exit', async () => {
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"hidden_size": 96,');
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, readFileSync(weights).subarray(0, 100_000));
    const badHeads = join(dir, 'heads.json');
    writeFileSync(badHeads, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), num_heads: 5 }));
    const cases: [string[], RegExp][] = [
      [['convert', '--weights', weights], /--config is required/],
      [['convert', '--weights', weights, '--config', config, '--out', dir, '--quant', 'int3'], /--quant must be one of fp32, int8, int4/],
      [['convert', '--weights', join(dir, 'nope.safetensors'), '--config', config, '--out', dir], /checkpoint .*nope\.safetensors does not exist/],
      [['convert', '--bogus'], /unknown flag --bogus/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['forward', '--model', dir, '--inputs', weights, '--out', join(dir, 'o')], /has no manifest\.json/],
      [['convert', '--weights', weights, '--config', badJson, '--out', dir], /config .*bad\.json is not valid JSON/],
      [['convert', '--weights', weights, '--config', badHeads, '--out', dir], /heads\.json: hidden_size 96 is not divisible by num_heads 5/],
      [['convert', '--weights', weights, '--config', config, '--out', dir, '--latent', '4,8'], /--latent must be T,H,W positive integers/],
      [['convert', '--weights', truncated, '--config', config, '--out', dir], /truncated\.safetensors: tensor \S+ has data offsets outside the file/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const w = referenceTensors('weights');
    w.delete('temporal_blocks.2.mlp.fc2.bias');
    const broken = join(dir, 'broken.safetensors');
    writeFileSync(broken, writeSafetensors(Object.fromEntries(w)));
    const r = await cli('convert', '--weights', broken, '--config', config, '--out', join(dir, 'x'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing tensor temporal_blocks\.2\.mlp\.fc2\.bias \[96\]/);
  });
});
