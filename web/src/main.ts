import { ApiKeyField } from './api-key.js';
import { byId } from './dom.js';
import { FormPanel } from './form-panel.js';
import {
  CancelAnimationDocument,
  CreateAnimationDocument,
  DeleteAnimationDocument,
  HistoryDocument,
  type StudioAnimationFragment,
} from './gql/graphql.js';
import { GraphqlHttp } from './graphql-http.js';
import { HistoryPanel } from './history-panel.js';
import { JobPanel } from './job-panel.js';
import { LiveProgress } from './live.js';

const HISTORY_PAGE_SIZE = 10;

/** Stops following the animation shown in the Animation panel. */
let stopFollowing: (() => void) | undefined;

// Another key may mean another owner: what was shown belonged to the previous one.
const apiKey = new ApiKeyField(byId('api-key', HTMLInputElement), byId('api-key-error', HTMLElement), () => {
  stopFollowing?.();
  job.close();
  live.dropConnection();
  void history.reload();
});
const api = new GraphqlHttp('/graphql', apiKey);
const live = new LiveProgress(websocketUrl('/graphql'), apiKey);

const job = new JobPanel(async (id) => (await api.request(CancelAnimationDocument, { id })).cancelAnimation);

const history = new HistoryPanel(
  async (after) => {
    const { animations } = await api.request(HistoryDocument, { first: HISTORY_PAGE_SIZE, after });
    return {
      animations: animations.edges.map((edge) => edge.node),
      hasNextPage: animations.pageInfo.hasNextPage,
      endCursor: animations.pageInfo.endCursor,
    };
  },
  open,
  async (id) => {
    await api.request(DeleteAnimationDocument, { id });
    // Gone, with its log and video: nothing is left to show or follow.
    if (job.shows(id)) {
      stopFollowing?.();
      stopFollowing = undefined;
      job.close();
    }
  },
);

new FormPanel(async (input) => {
  const { createAnimation } = await api.request(CreateAnimationDocument, { input });
  history.add(createAnimation);
  open(createAnimation);
});

/** Shows an animation and follows it live: a snapshot first, then each change until it ends. */
function open(animation: StudioAnimationFragment): void {
  stopFollowing?.();
  job.open(animation);
  history.select(animation.id);
  stopFollowing = live.watch(animation.id, {
    next: (event, snapshot) => {
      job.progress(event, snapshot);
      history.update(event.animation);
    },
    error: (problem) => job.showProblem(problem),
    connection: (connected) => job.setConnection(connected),
  });
}

function websocketUrl(path: string): string {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

void history.reload();
