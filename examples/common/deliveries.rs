//! The payload deliveries the benchmarks use, shared by
//! `benches/payload.rs` (criterion, in-process) and `examples/loadgen.rs`
//! (`--rpc payload`, end to end), so both measure the same bytes; and the
//! one failed call's body `Interpret`'s load sends, which
//! `benches/interpret.rs` reads as the floor's plain read does.
//! Included with `#[path]`: not an example of its own.

/// A VEHICLE_STATE delivery shaped like the event page's: `n` signals
/// with bodies and meta, every tenth failed (COMPATIBILITY, PERMISSION or
/// SERVER).
pub(crate) fn vehicle_state(n: usize) -> String {
    let signals: Vec<String> = (0..n)
        .map(|i| {
            let status = match i % 30 {
                9 => r#"{"value":"ERROR","error":{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE"}}"#,
                19 => r#"{"value":"ERROR","error":{"type":"PERMISSION","code":null}}"#,
                29 => r#"{"value":"ERROR","error":{"type":"SERVER","code":"INTERNAL"}}"#,
                _ => r#"{"value":"SUCCESS"}"#,
            };
            format!(
                r#"{{"code":"group{g}-signalname{i}","name":"SignalName{i}","group":"Group{g}","body":{{"unit":"percent","value":{i}.5,"latitude":37.7749,"longitude":-122.4194,"heading":90,"direction":"N","locationType":"CURRENT"}},"status":{status},"meta":{{"retrievedAt":1758668712404,"oemUpdatedAt":1758668712404}}}}"#,
                g = i % 7
            )
        })
        .collect();
    format!(
        r#"{{"eventId":"5a537912-9ad3-424b-ba33-65a1704567e9","eventType":"VEHICLE_STATE","data":{{"user":{{"id":"93b3ea96-ca37-43a9-9073-f4334712dbc7"}},"vehicle":{{"id":"123e4567-e89b-12d3-a456-426614174000","make":"Test Make","model":"Test Model","year":2020}},"signals":[{}]}},"triggers":[{{"type":"SIGNAL_UPDATED","signal":{{"name":"StateOfCharge","group":"TractionBattery","code":"tractionbattery-stateofcharge"}}}}],"meta":{{"version":"4.0","deliveryId":"48b25f8f-9fea-42e1-9085-81043682cbb8","deliveredAt":1761896351529,"webhookId":"123e4567-e89b-12d3-a456-426614174000","webhookName":"My First Webhook","signalCount":{n},"mode":"LIVE"}}}}"#,
        signals.join(",")
    )
}

/// The VEHICLE_ERROR event page's delivery: a COMPATIBILITY error over
/// eight signals and a signal-scoped PERMISSION.
pub(crate) const VEHICLE_ERROR: &str = r#"{"eventId":"1821c036-71cb-408f-8dee-2989b9764307","eventType":"VEHICLE_ERROR","data":{"user":{"id":"2fbd0033-83e7-43b8-a367-776d6dff1134"},"vehicle":{"id":"a1d50709-3502-4faa-ba43-a5c7565e6a09","make":"VOLKSWAGEN","model":"ID.4","year":2021},"errors":[{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE","description":"The vehicle is incapable of performing your request.","docURL":"https://smartcar.com/docs/errors/api-errors/compatibility-errors#vehicle-not-capable","resolution":{"type":null},"suggestedUserMessage":"Your car is unable to perform this request.","state":"ERROR","signals":["VehicleIdentification.Nickname","VehicleUserAccount.Role","VehicleUserAccount.Permissions","ConnectivitySoftware.CurrentFirmwareVersion","ConnectivityStatus.IsOnline","ConnectivityStatus.IsAsleep","ConnectivityStatus.IsDigitalKeyPaired","InternalCombustionEngine.FuelLevel"]},{"type":"PERMISSION","code":null,"description":"Your application has insufficient permissions to access the requested resource. Please prompt the user to re-authenticate using Smartcar Connect.","docURL":"https://smartcar.com/docs/errors/api-errors/permission-errors#null","resolution":{"type":"REAUTHENTICATE"},"state":"ERROR","signals":[{"name":"IsLocked","group":"Closure","code":"closure-islocked"}]}]},"meta":{"version":"4.0","deliveryId":"49c3f6bb-63cf-47ce-b320-6e0aaa9a2ca7","deliveredAt":1758224204078,"webhookId":"5a8e5e38-1e12-4011-a36d-56f120053f9e","mode":"LIVE"}}"#;

/// The DOOR_OPEN body exactly as the API documents it: `--rpc interpret`'s
/// body (a failed call's, not a delivery).
pub(crate) const DOOR_OPEN_BODY: &str = r#"{"type":"VEHICLE_STATE","code":"DOOR_OPEN","description":"The vehicle could not perform your request because one or more of its doors are open.","docURL":"https://smartcar.com/docs/errors/api-errors/vehicle-state-errors#door-open","statusCode":409,"requestId":"5dea93a1-3f79-4246-90c5-89610a20471b","resolution":{"type":null},"suggestedUserMessage":"Your vehicle was unable to lock. Please ensure that all doors and the trunk are fully closed."}"#;
