import Foundation
import NIOCore

/// Errors that stop the server from starting, said in words with what to do, for the console (instead
/// of an error type and errno).
public enum StartupProblem {
    /// One line naming the problem and a hint, or nil when `error` is not one of the known start failures.
    /// - Parameters:
    ///   - portFlag: how the user chooses another port (`--port`, and `PORT` for the gateway).
    public static func describe(_ error: any Error, host: String, port: Int, portFlag: String = "--port N or PORT=N") -> String? {
        let errno = (error as? IOError)?.errnoCode
        let text = String(describing: error)
        if errno == EADDRINUSE || text.contains("Address already in use") {
            return "Port \(port) on \(host) is already in use (another gateway, simulator or program listens there). "
                + "Stop it, or choose another port: \(portFlag)."
        }
        if errno == EACCES || text.contains("Permission denied") {
            return "Listening on \(host):\(port) is not permitted (ports below 1024 need privileges). Choose a port above 1024: \(portFlag)."
        }
        if errno == EADDRNOTAVAIL || text.contains("Cannot assign requested address") {
            return "\(host) is not an address of this machine, so the gateway cannot listen on it. Use 127.0.0.1 or 0.0.0.0 (--host or HOST)."
        }
        return nil
    }
}
