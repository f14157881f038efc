-- Kamailio baseline routing for the load harness: every call goes to the SIPp UAS on
-- 127.0.0.1:5070, tracked by the dialog module; in-dialog requests follow the route set.
local UAS = "sip:127.0.0.1:5070"

local function relay()
    if KSR.tm.t_relay() < 0 then
        KSR.sl.sl_reply_error()
    end
    KSR.x.exit()
end

function ksr_request_route()
    if KSR.maxfwd.process_maxfwd(10) < 0 then
        KSR.sl.sl_send_reply(483, "Too Many Hops")
        KSR.x.exit()
    end

    if KSR.is_CANCEL() then
        if KSR.tm.t_check_trans() > 0 then
            relay()
        end
        KSR.x.exit()
    end

    if KSR.siputils.has_totag() > 0 then
        if KSR.rr.loose_route() > 0 then
            relay()
        end
        if KSR.is_ACK() then
            if KSR.tm.t_check_trans() > 0 then
                relay()
            end
            KSR.x.exit()
        end
        KSR.sl.sl_send_reply(404, "Not here")
        KSR.x.exit()
    end

    if KSR.is_ACK() then
        -- ACK for a negative reply to a transaction that no longer exists.
        KSR.x.exit()
    end

    if KSR.is_INVITE() then
        KSR.dialog.dlg_manage()
        KSR.rr.record_route()
        KSR.setdsturi(UAS)
        relay()
    end

    KSR.sl.sl_send_reply(405, "Method Not Allowed")
end
