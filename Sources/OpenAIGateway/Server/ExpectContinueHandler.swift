import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` as soon as the request head arrives, so a client that waits for the
/// interim answer before sending its body (curl does for bodies over 1 MB, for up to 1 second) sends
/// it at once. The `Expect` field is removed from the head: nothing further in (and no upstream
/// request built from the head) sees it. A final answer written before the body was read (a 400 or
/// 413) still reaches the client, after the `100 Continue`, as RFC 9110 §10.1.1 allows. It sits first
/// among the gateway's handlers, so the interim head goes straight to the codec (``ConnectionGuard``
/// sees only final answers).
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), let expect = head.headerFields[.expect] else {
            context.fireChannelRead(data)
            return
        }
        if expect.trimmingCharacters(in: .whitespaces).lowercased() == "100-continue" {
            head.headerFields[.expect] = nil
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
