import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createErrorFormatter } from '../common/errors';
import { buildContext, GqlContext } from '../graphql/context';
import { getSchema } from '../graphql/schema';
import type { Services } from './services';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

export async function startHttpServer(services: Services, port: number, host: string): Promise<RunningServer> {
  const server = new ApolloServer<GqlContext>({
    schema: await getSchema(),
    formatError: createErrorFormatter(services.logger),
    includeStacktraceInErrorResponses: false,
    introspection: true,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port, host },
    context: async ({ req }) => buildContext(services, req.headers.authorization),
  });
  return { url, stop: () => server.stop() };
}
