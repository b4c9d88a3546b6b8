package dev.parley.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's aggregator, with the API's error body on 413: a request whose body passes
 * {@code maxBodyBytes} is not answered here (Netty writes a bare 413 at once, ahead of the
 * answers still owed to pipelined requests) but passed on as a {@link TooLarge}, which
 * {@link HttpExchangeControl} answers in its turn. The rest of the body is read and dropped.
 */
public final class HttpBodyLimit extends HttpObjectAggregator {
    /** Code of the 413 error body. */
    static final String CODE = "PAYLOAD_TOO_LARGE";

    /**
     * A request whose body was too large; what is kept of it to answer it.
     *
     * @param close whether the connection must close after the answer (the body was partly read,
     *              or the client asked for no keep-alive)
     */
    record TooLarge(int maxBodyBytes, boolean close) {
    }

    private final int maxBodyBytes;

    /** @param maxBodyBytes largest request body */
    public HttpBodyLimit(int maxBodyBytes) {
        super(maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // As Netty decides: once part of the body was taken in (a chunked body that grew too large)
        // the stream cannot be resynchronised; otherwise the body is skipped and the connection kept.
        boolean close = oversized instanceof FullHttpMessage
                || !HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized);
        ctx.fireChannelRead(new TooLarge(maxBodyBytes, close));
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object res = super.newContinueResponse(start, maxContentLength, pipeline);
        if (res instanceof HttpResponse r && r.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            // "Expect: 100-continue" with a declared body too large: refused before the body is sent.
            ReferenceCountUtil.release(res);
            return HttpErrors.response(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, CODE, message(maxContentLength),
                    false, false);
        }
        return res;
    }

    static String message(int maxBodyBytes) {
        return "request body larger than " + maxBodyBytes + " bytes";
    }
}
