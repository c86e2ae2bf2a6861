package dev.onecycle.data;

import java.io.IOException;

/** A data file exists but is not what it should be; the message names the file and the problem. */
public class DataFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public DataFormatException(String message) {
        super(message);
    }
}
