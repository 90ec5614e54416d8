import { describe, expect, it } from 'vitest';
import { AnimationsDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { fixtureBytes, fixtureFile } from '../support/fixtures.js';
import { dataOf, graphqlHttp, graphqlMultipart } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

const withoutMedia = (overrides = {}) => ({ ...input(overrides), imageUrl: null, videoUrl: null });

/** createAnimation with the reference image and driving video as multipart files. */
const createWithFiles = (url: string, image: File, video: File) =>
  graphqlMultipart(
    url,
    CreateAnimationDocument,
    { input: withoutMedia() },
    { 'variables.input.image': image, 'variables.input.video': video },
  );

describe('input files', () => {
  it('uploads a multipart JPEG and MP4 to fal storage, and fal receives storage URLs whose bytes equal the originals', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const result = await createWithFiles(gateway.url, fixtureFile('character.jpg', 'image/jpeg'), fixtureFile('dancer.mp4', 'video/mp4'));
    const created = dataOf(result).createAnimation;
    expect(created.status).toBe('IN_QUEUE');

    const job = simulator.job(created.requestId!)!;
    const sentImage = simulator.storedFile(job.input.image_url as string)!;
    const sentVideo = simulator.storedFile(job.input.video_url as string)!;
    expect(sentImage.bytes.equals(fixtureBytes('character.jpg'))).toBe(true);
    expect(sentImage.contentType).toBe('image/jpeg');
    expect(sentVideo.bytes.equals(fixtureBytes('dancer.mp4'))).toBe(true);
    expect(sentVideo.contentType).toBe('video/mp4');
    expect(created.imageUrl).toBe(job.input.image_url);
    expect(created.videoUrl).toBe(job.input.video_url);
    expect(simulator.calls.storageInitiate).toBe(2);
  });

  it('decodes a data: URI, checks and uploads it, so fal always receives a URL', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const png = fixtureBytes('character.png');
    const created = dataOf(
      await graphqlHttp(gateway.url, CreateAnimationDocument, {
        input: input({ imageUrl: `data:image/png;base64,${png.toString('base64')}` }),
      }),
    ).createAnimation;
    const job = simulator.job(created.requestId!)!;
    expect(job.input.image_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
    expect(simulator.storedFile(job.input.image_url as string)!.bytes.equals(png)).toBe(true);
    expect(job.input.video_url).toBe('https://example.com/dance.mp4');
    expect(simulator.calls.storageInitiate).toBe(1);
  });

  it('uploads nothing again for a repeated idempotent request with the same files', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const files = () => ({
      'variables.input.image': fixtureFile('character.jpg', 'image/jpeg'),
      'variables.input.video': fixtureFile('dancer.mp4', 'video/mp4'),
    });
    const first = dataOf(
      await graphqlMultipart(gateway.url, CreateAnimationDocument, { input: withoutMedia({ idempotencyKey: 'k' }) }, files()),
    );
    const again = dataOf(
      await graphqlMultipart(gateway.url, CreateAnimationDocument, { input: withoutMedia({ idempotencyKey: 'k' }) }, files()),
    );
    expect(again.createAnimation.id).toBe(first.createAnimation.id);
    expect(simulator.calls.storageInitiate).toBe(2);
    expect(simulator.calls.submit).toBe(1);
  });

  it('rejects wrong, spoofed, oversized, doubled and missing files with BAD_USER_INPUT, uploading and submitting nothing', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, { MAX_IMAGE_BYTES: '900', MAX_VIDEO_BYTES: '60000' });
    const text = new File(['just some text'], 'character.jpg', { type: 'image/jpeg' });
    const mp4AsJpeg = fixtureFile('dancer.mp4', 'image/jpeg', 'character.jpg');
    const jpegAsMp4 = fixtureFile('character.png', 'video/mp4', 'dancer.mp4');
    const video = () => fixtureFile('dancer.mp4', 'video/mp4');
    const cases: [string, Record<string, unknown>, Record<string, File>, string][] = [
      ['a text file as the image', withoutMedia(), { 'variables.input.image': text, 'variables.input.video': video() }, 'image'],
      ['a video declared as a JPEG', withoutMedia(), { 'variables.input.image': mp4AsJpeg, 'variables.input.video': video() }, 'image'],
      [
        'an image declared as an MP4',
        withoutMedia(),
        { 'variables.input.image': fixtureFile('character.png', 'image/png'), 'variables.input.video': jpegAsMp4 },
        'video',
      ],
      [
        'an image over MAX_IMAGE_BYTES',
        withoutMedia(),
        { 'variables.input.image': fixtureFile('character.jpg', 'image/jpeg'), 'variables.input.video': video() },
        'image',
      ],
      [
        'both imageUrl and image',
        { ...input(), videoUrl: null },
        { 'variables.input.image': fixtureFile('character.png', 'image/png'), 'variables.input.video': video() },
        'imageUrl',
      ],
      ['neither videoUrl nor video', withoutMedia(), { 'variables.input.image': fixtureFile('character.png', 'image/png') }, 'videoUrl'],
      [
        'a data: URI that is not an image',
        input({ imageUrl: `data:image/png;base64,${Buffer.from('<svg/>').toString('base64')}` }),
        {},
        'imageUrl',
      ],
      [
        'a data: URI over MAX_IMAGE_BYTES',
        input({ imageUrl: `data:image/png;base64,${Buffer.alloc(2000).toString('base64')}` }),
        {},
        'imageUrl',
      ],
    ];
    for (const [what, variables, files, field] of cases) {
      const result = Object.keys(files).length
        ? await graphqlMultipart(gateway.url, CreateAnimationDocument, { input: variables as never }, files)
        : await graphqlHttp(gateway.url, CreateAnimationDocument, { input: variables as never });
      expect(result.errors?.[0]?.extensions?.code, what).toBe('BAD_USER_INPUT');
      expect((result.errors?.[0]?.extensions?.fields as { field: string }[])[0]!.field, what).toBe(field);
    }
    expect(simulator.calls.storageInitiate).toBe(0);
    expect(simulator.calls.submit).toBe(0);
  });

  it('refuses a file over the multipart size limit with BAD_USER_INPUT before it is read', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator, { MAX_IMAGE_BYTES: '900', MAX_VIDEO_BYTES: '1000' });
    const result = await createWithFiles(gateway.url, fixtureFile('character.png', 'image/png'), fixtureFile('dancer.mp4', 'video/mp4'));
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(simulator.calls.storageInitiate).toBe(0);
    expect(dataOf(await graphqlHttp(gateway.url, AnimationsDocument, {})).animations.edges).toEqual([]);
  });
});
