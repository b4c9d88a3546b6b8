package dev.parley.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.core.Parley;
import dev.parley.core.delivery.Views;
import dev.parley.core.message.HistoryQuery;
import dev.parley.protocol.ClientFrame;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionStage;

/**
 * A conversation's history, a page at a time:
 * <pre>
 * GET /v1/conversations/{conv}/messages ?beforeSeq|afterSeq|beforeTs|afterTs, limit → {"conv","messages","hasMore"}
 * </pre>
 * The query is checked (at most one bound, limit in range) before the token.
 */
final class MessageRoutes {
    private final Parley parley;
    private final ObjectMapper mapper;

    MessageRoutes(Parley parley, ObjectMapper mapper) {
        this.parley = parley;
        this.mapper = mapper;
    }

    CompletionStage<HttpReply> history(ApiRequest req) {
        ClientFrame.History query = new ClientFrame.History("http", req.param("conv"), req.longParam("beforeSeq"),
                req.longParam("afterSeq"), req.longParam("beforeTs"), req.longParam("afterTs"),
                req.intParam("limit"));
        query.validate();
        return req.authenticate(parley).thenCompose(d -> parley.messaging().history(d.userId(), query.conv(),
                        HistoryQuery.page(query.beforeSeq(), query.afterSeq(), query.beforeTs(), query.afterTs(),
                                query.limit())))
                .thenApply(page -> HttpReply.json(HttpResponseStatus.OK, mapper,
                        mapper.valueToTree(Views.historyPage(null, page))));
    }
}
