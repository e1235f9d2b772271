package io.mtlsproxy.admin.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code console} blocks of one section of a docs page, as commands to run: each {@code $ } line (with its
 * {@code \} continuation lines) and the output the page shows under it. In a shown output line {@code …} stands
 * for anything (serials, dates, versions).
 */
record ConsoleBlocks(List<Step> steps) {
    /** One command and the lines the page says it prints. */
    record Step(String command, List<String> shown) {
        /** True when every shown line matches a line of {@code output}, in the page's order. */
        boolean printed(String output) {
            List<String> lines = output.lines().toList();
            int at = 0;
            for (String want : shown) {
                Pattern p = Pattern.compile(String.join(
                        ".*",
                        java.util.Arrays.stream(want.split("…", -1))
                                .map(Pattern::quote)
                                .toList()));
                while (at < lines.size() && !p.matcher(lines.get(at)).matches()) {
                    at++;
                }
                if (at++ >= lines.size()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The console blocks between the heading {@code heading} and the next heading of the same level. */
    static ConsoleBlocks of(Path page, String heading) throws IOException {
        String text = Files.readString(page);
        int start = text.indexOf("\n" + heading + "\n");
        if (start < 0) {
            throw new AssertionError(heading + " not in " + page);
        }
        String level = heading.substring(0, heading.indexOf(' ') + 1);
        int end = text.indexOf("\n" + level, start + heading.length() + 1);
        List<Step> steps = new ArrayList<>();
        boolean inBlock = false;
        StringBuilder command = null;
        List<String> shown = new ArrayList<>();
        for (String raw : text.substring(start, end < 0 ? text.length() : end).split("\n")) {
            String line = raw.strip();
            if (line.startsWith("```")) {
                inBlock = !inBlock && line.equals("```console");
                continue;
            }
            if (!inBlock) {
                continue;
            }
            if (command != null && command.toString().endsWith("\\")) {
                command.setLength(command.length() - 1);
                command.append(' ').append(line);
            } else if (line.startsWith("$ ")) {
                if (command != null) {
                    steps.add(new Step(command.toString(), List.copyOf(shown)));
                }
                command = new StringBuilder(line.substring(2));
                shown.clear();
            } else if (command != null && !line.isEmpty()) {
                shown.add(line);
            }
        }
        if (command != null) {
            steps.add(new Step(command.toString(), List.copyOf(shown)));
        }
        return new ConsoleBlocks(steps);
    }
}
