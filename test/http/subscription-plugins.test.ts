import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeSse, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';

const follow = (name: string) => parse(`subscription ${name}($id: ID!) { animationProgress(id: $id) { status } }`);

describe('subscriptions pass through the yoga plugins on every transport', () => {
  it("runs a plugin's subscribe hook (operation logging) for animationProgress over WebSocket and SSE", async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const { id } = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;

    const overWebSocket = subscribeWs(wsClient(gateway.url), follow('OverWebSocket'), { id });
    const overSse = subscribeSse(gateway.url, follow('OverSse'), { id });
    const [wsEvents, sseEvents] = await Promise.all([overWebSocket.untilComplete(), overSse.untilComplete()]);
    expect(wsEvents.at(-1)!.data).toEqual({ animationProgress: { status: 'COMPLETED' } });
    expect(sseEvents.at(-1)!.data).toEqual({ animationProgress: { status: 'COMPLETED' } });

    const subscribed = gateway.logs.lines
      .map((line) => JSON.parse(line) as { msg: string; kind?: string; operationName?: string; owner?: string })
      .filter((line) => line.msg === 'graphql operation' && line.kind === 'subscribe')
      .map(({ operationName, owner }) => ({ operationName, owner }));
    expect(subscribed.sort((a, b) => a.operationName!.localeCompare(b.operationName!))).toEqual([
      { operationName: 'OverSse', owner: 'local' },
      { operationName: 'OverWebSocket', owner: 'local' },
    ]);
  });
});
